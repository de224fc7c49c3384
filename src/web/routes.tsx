// Which screen a hash route shows.
import { EmptyState } from './components/feedback.tsx';
import { useRoute } from './router.ts';
import { Catalog } from './screens/catalog.tsx';
import { DeliveryDetail } from './screens/delivery-detail.tsx';
import { DeliveryLogScreen } from './screens/delivery-log-screen.tsx';
import { WebhookDetail } from './screens/webhook-detail.tsx';
import { WebhookList } from './screens/webhook-list.tsx';
import { WebhookForm } from './webhook-form/webhook-form.tsx';

export function Routes() {
  const { parts, query } = useRoute();
  const [section = 'webhooks', id, action] = parts;
  switch (section) {
    case 'signin':
    case 'webhooks':
      if (id === 'new') return <WebhookForm key="new" />;
      if (id && action === 'edit') return <WebhookForm key={`edit-${id}`} webhookId={id} />;
      if (id) return <WebhookDetail key={id} id={id} query={query} />;
      return <WebhookList query={query} />;
    case 'deliveries':
      return id ? <DeliveryDetail key={id} id={id} /> : <DeliveryLogScreen query={query} />;
    case 'catalog':
      return <Catalog focus={id} />;
    default:
      return <EmptyState title="This page does not exist" action={<a class="button button-primary" href="#/webhooks">Go to webhooks</a>} />;
  }
}
