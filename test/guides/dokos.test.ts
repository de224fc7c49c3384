// docs/guides/dokos: Frappe webhooks imported (a Jinja JSON body in Frappe's dialect, a form
// webhook sent as JSON, header rows, a condition, a disabled one), and the Frappe receiver
// (receiver.py) checking X-Frappe-Webhook-Signature on the raw body: it accepts Relais' requests
// and refuses a body changed on the way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { guideSuite, readGuide, runs } from '../helpers/guides.ts';
import { waitFor } from '../helpers/wait.ts';

const TENANT = 'tierslieu-lyon';
/** The receiver's configured secret: the one webhooks.json gives HOOK-0001 and HOOK-0002. */
const SECRET = readGuide('dokos').webhooks.webhooks.find((w) => w.id === 'HOOK-0001')!.secret!;

interface Seen {
  method: string;
  path: string;
  verified: boolean;
  signature: string | null;
  content_type: string | null;
  body: string;
  json?: Record<string, unknown>;
}

for (const engine of ENGINES) {
  describe(`guide Dokos: ${engine}`, () => {
    const guide = guideSuite(engine, 'dokos', { command: 'python3', args: () => ['receiver.py'], env: { WEBHOOK_SECRET: SECRET }, install: 'apt-get install python3' });
    const at = (path: string): Seen[] => guide.receiver.entries<Seen>().filter((s) => s.path === path);

    it('imports the doc events and the site\'s webhooks, Frappe secrets kept as written', async (t) => {
      if (!runs(guide, t)) return;
      assert.deepEqual(guide.imported.webhooks.webhooks.created, ['HOOK-0001', 'HOOK-0002', 'HOOK-0003'].map((id) => `${TENANT}/${id}`));
      const kept = await guide.t.call<{ secret: string }>('GET', `/v1/tenants/${TENANT}/webhooks/HOOK-0001/secret`);
      assert.equal(kept.body.secret, SECRET);
      const hook = await guide.t.call<{ enabled: boolean; follow_redirects: boolean; timeout: string; content_type: string }>('GET', `/v1/tenants/${TENANT}/webhooks/HOOK-0003`);
      assert.equal(hook.body.enabled, false);
      // As Frappe would send it once enabled: its form fields as a JSON object, redirects followed, 5 s.
      assert.deepEqual([hook.body.content_type, hook.body.follow_redirects, hook.body.timeout], ['application/json', true, '5s']);
    });

    it('the Frappe receiver accepts the signed Jinja body and the form fields, and refuses a tampered body', async (t) => {
      if (!runs(guide, t)) return;
      const submitted = guide.example('sales_order.on_submit') as Record<string, unknown>;
      assert.equal(await guide.send(TENANT, { type: 'sales_order.on_submit', data: submitted }), 1);
      assert.equal(await guide.send(TENANT, { type: 'sales_order.on_submit', data: { ...submitted, grand_total: 480 } }), 0, 'the condition: over 1 000 € only');
      assert.equal(await guide.send(TENANT, { type: 'sales_order.on_update', data: guide.example('sales_order.on_update') }), 1);
      await guide.send(TENANT, { type: 'quotation.on_update', data: guide.example('quotation.on_update') });

      const [order] = await waitFor('the Jinja request', () => at('/dokos/commandes').length === 1 && at('/dokos/commandes'));
      assert.equal(order!.verified, true, 'X-Frappe-Webhook-Signature checks out');
      assert.equal(order!.method, 'POST');
      assert.equal(order!.content_type, 'application/json', 'the header row');
      assert.deepEqual(order!.json, {
        commande: 'SAL-ORD-2024-00042', client: "Société Générale d'Équipement", date_livraison: '2024-05-28',
        bon_de_commande_client: 'None', // Frappe's Jinja prints a null as None
        montant_ttc: 1248, nombre_de_lignes: 2, lignes: submitted.items,
      });

      const [status] = await waitFor('the form-fields request', () => at('/dokos/statuts').length === 1 && at('/dokos/statuts'));
      assert.equal(status!.verified, true);
      assert.deepEqual(status!.json, { commande: 'SAL-ORD-2024-00042', client: "Société Générale d'Équipement", statut: 'Draft', montant_ttc: 1248 });

      const tampered = await fetch(`${guide.receiver.url}/dokos/commandes`, {
        method: 'POST', body: order!.body.replace('1248', '12480'),
        headers: { 'content-type': 'application/json', 'x-frappe-webhook-signature': order!.signature! },
      });
      assert.equal(tampered.status, 401, 'a body changed on the way no longer matches its signature');
      const genuine = await fetch(`${guide.receiver.url}/dokos/commandes`, {
        method: 'POST', body: order!.body, headers: { 'content-type': 'application/json', 'x-frappe-webhook-signature': order!.signature! },
      });
      assert.equal(genuine.status, 200);
      assert.equal(at('/api/devis').length, 0, 'HOOK-0003 is disabled');
    });
  });
}
