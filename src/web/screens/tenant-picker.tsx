// The admin token may open any tenant's page: pick which.
import { useMemo, useState } from 'preact/hooks';
import { ApiError, createClient } from '../api/client.ts';
import { accountApi, tenantApi } from '../api/endpoints.ts';
import { EmptyState, ErrorMessage, Loading } from '../components/feedback.tsx';
import { SelectField, TextField } from '../components/field.tsx';
import { Screen } from '../components/screen.tsx';
import { useLoad } from '../hooks.ts';
import type { Session } from '../session.ts';

interface PickerProps {
  session: Session;
  onChoose: (tenantId: string) => void;
  onSignOut: () => void;
}

export function TenantPicker({ session, onChoose, onSignOut }: PickerProps) {
  const client = useMemo(() => createClient(session.token, onSignOut), [session.token]);
  const tenants = useLoad(() => accountApi(client).tenants(), [client]);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<string | undefined>();
  const list = tenants.data?.data ?? [];
  // More tenants than one page: type the id instead of picking it.
  const typed = tenants.data?.next_cursor != null;

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const id = (chosen || (typed ? '' : list[0]?.id) || '').trim();
    if (!id) return setError('Choose a tenant.');
    try {
      await tenantApi(client, id).tenant();
      onChoose(id);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? `No tenant has the id "${id}".` : String((err as Error).message));
    }
  };

  return (
    <main id="main" class="signin">
      <Screen title="Choose a tenant" actions={<button type="button" class="button-secondary" onClick={onSignOut}>Sign out</button>}>
        <p>You are signed in with the admin token: open the webhooks page of any tenant.</p>
        {tenants.loading && !tenants.data && <Loading what="tenants" />}
        <ErrorMessage error={tenants.error} onRetry={tenants.reload} />
        {tenants.data && !list.length && (
          <EmptyState title="No tenants yet">
            <p>Your product creates tenants with <code>POST /v1/tenants</code>; each then has its own webhooks here.</p>
          </EmptyState>
        )}
        {list.length > 0 && (
          <form class="card" onSubmit={(e) => void submit(e)} noValidate>
            {typed
              ? <TextField id="tenant-id" label="Tenant id" value={chosen} onValue={setChosen} error={error} hint="The tenant's id, as your product knows it." />
              : <SelectField id="tenant-id" label="Tenant" value={chosen || list[0]!.id} onValue={setChosen} error={error} options={list.map((t) => [t.id, `${t.name} (${t.id})`] as const)} />}
            <div class="actions"><button type="submit" class="button-primary">Open</button></div>
          </form>
        )}
      </Screen>
    </main>
  );
}
