// The tenant's delivery log, across its webhooks.
import { DeliveryLog } from '../components/delivery-log.tsx';
import { Screen } from '../components/screen.tsx';
import { useTenant } from '../context.ts';
import { useLoad } from '../hooks.ts';

export function DeliveryLogScreen({ query }: { query: URLSearchParams }) {
  const { api } = useTenant();
  const hooks = useLoad(() => api.webhooks(), [api]);
  return (
    <Screen title="Deliveries" subtitle="Every request sent to your webhooks, with your endpoints' answers. Open one to see its attempts.">
      <DeliveryLog path="/deliveries" query={query} webhooks={hooks.data ?? []} />
    </Screen>
  );
}
