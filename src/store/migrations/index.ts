// Every migration, in order. Both engines run the same list, on start and by `relais migrate`.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';
import * as shaping from './0002-shaping.ts';
import * as failures from './0003-failures.ts';
import * as notices from './0004-notices.ts';
import * as throttling from './0005-throttling.ts';
import * as queueOrder from './0006-queue-order.ts';
import * as parkedLanes from './0007-parked-lanes.ts';
import * as clusterLimits from './0008-cluster-limits.ts';
import * as eventsReceived from './0009-events-received.ts';
import * as ordering from './0010-ordering.ts';
import * as productFidelity from './0011-product-fidelity.ts';
import * as credentials from './0012-credentials.ts';
import * as finishedDeliveries from './0013-finished-deliveries.ts';
import * as attemptBodies from './0014-attempt-bodies.ts';
import * as deliveryOrigin from './0015-delivery-origin.ts';
import * as brokerCredentials from './0016-broker-credentials.ts';
import * as retentionVacuum from './0017-retention-vacuum.ts';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-shaping': shaping,
  '0003-failures': failures,
  '0004-notices': notices,
  '0005-throttling': throttling,
  '0006-queue-order': queueOrder,
  '0007-parked-lanes': parkedLanes,
  '0008-cluster-limits': clusterLimits,
  '0009-events-received': eventsReceived,
  '0010-ordering': ordering,
  '0011-product-fidelity': productFidelity,
  '0012-credentials': credentials,
  '0013-finished-deliveries': finishedDeliveries,
  '0014-attempt-bodies': attemptBodies,
  '0015-delivery-origin': deliveryOrigin,
  '0016-broker-credentials': brokerCredentials,
  '0017-retention-vacuum': retentionVacuum,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs before the schema is known
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'relais_migrations', migrationLockTableName: 'relais_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
