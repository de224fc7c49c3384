// A webhook's signing secret: hidden until asked for, copied, rotated (after a confirmation:
// the previous secret keeps signing for the overlap, so receivers can switch without a gap).
import { useState } from 'preact/hooks';
import { Time } from '../components/display.tsx';
import { ConfirmDialog } from '../components/dialog.tsx';
import { Announce } from '../components/feedback.tsx';
import { useTenant } from '../context.ts';
import { useAction } from '../hooks.ts';

const MASK = `whsec_${'•'.repeat(24)}`;

export function SecretPanel({ webhookId }: { webhookId: string }) {
  const { api } = useTenant();
  const [secret, setSecret] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();

  const load = async (): Promise<string> => secret ?? (await api.secret(webhookId)).secret;
  const toggle = () => action.run(async () => {
    if (!shown) setSecret(await load());
    setShown(!shown);
    return undefined;
  });
  const copy = () => action.run(async () => {
    const value = await load();
    setSecret(value);
    await navigator.clipboard.writeText(value);
    return { tone: 'success', text: 'Secret copied to the clipboard.' };
  });
  const rotate = () => action.run(async () => {
    try {
      const rotated = await api.rotateSecret(webhookId);
      setSecret(rotated.secret);
      setShown(true);
      return { tone: 'success', text: <>New secret in force. The previous one also signs requests until <Time iso={rotated.previous_secret_expires_at} exact />.</> };
    } finally {
      setConfirming(false);
    }
  });

  return (
    <section class="card" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      <p class="hint" id="secret-hint">Every request carries a <code>webhook-signature</code> header made with this secret (Standard Webhooks): check it with the <code>standardwebhooks</code> or <code>svix</code> library to know the request came from here.</p>
      <div class="secret-row">
        <label class="sr-only" for="secret-value">Signing secret</label>
        <input readOnly class="secret mono" id="secret-value" value={shown && secret ? secret : MASK} aria-describedby="secret-hint" />
        <button type="button" class="button-small button-secondary" aria-controls="secret-value" onClick={() => void toggle()}>{shown ? 'Hide' : 'Show'}</button>
        <button type="button" class="button-small button-secondary" onClick={() => void copy()}>Copy</button>
        <button type="button" class="button-small button-secondary" onClick={() => setConfirming(true)}>Rotate…</button>
      </div>
      <Announce tone={action.outcome?.tone}>{action.outcome?.text}</Announce>
      <ConfirmDialog open={confirming} title="Rotate the signing secret?" confirmLabel="Rotate secret" busy={action.busy} onConfirm={() => void rotate()} onClose={() => setConfirming(false)}>
        <p>A new secret signs every request from now on. The current one keeps signing alongside it for a while, so your endpoint can switch over without rejecting anything.</p>
      </ConfirmDialog>
    </section>
  );
}
