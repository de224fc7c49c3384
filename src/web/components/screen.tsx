// A screen: its heading (focused when the screen opens, so keyboard and screen-reader users
// land on it after each navigation), its actions, its content.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

interface ScreenProps {
  title: string;
  /** Above the title: where this screen sits (a link back). */
  back?: ComponentChildren;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
}

export function Screen({ title, back, subtitle, actions, children }: ScreenProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  useEffect(() => {
    document.title = `${title} · Webhooks`;
  }, [title]);
  return (
    <section class="screen">
      {back && <p class="back">{back}</p>}
      <div class="screen-head">
        <div class="screen-title">
          <h1 tabIndex={-1} ref={heading}>{title}</h1>
          {subtitle && <div class="subtitle">{subtitle}</div>}
        </div>
        {actions && <div class="actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}
