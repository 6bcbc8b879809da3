import type { Orm } from '../database.js';
import { accountsRepo, type AccountsRepo } from './accounts-repo.js';
import { alertsRepo, type AlertsRepo } from './alerts-repo.js';
import { auditRepo, type AuditRepo } from './audit-repo.js';
import { channelAdminRepo, type ChannelAdminRepo } from './channel-admin-repo.js';
import { channelSubscribersRepo, type ChannelSubscribersRepo } from './channel-subscribers-repo.js';
import { componentsRepo, type ComponentsRepo } from './components-repo.js';
import { customerDeliveriesRepo, type CustomerDeliveriesRepo } from './customer-deliveries-repo.js';
import { customerNoticesRepo, type CustomerNoticesRepo } from './customer-notices-repo.js';
import { deliveriesRepo, type DeliveriesRepo } from './deliveries-repo.js';
import { destinationsRepo, type DestinationsRepo } from './destinations-repo.js';
import { incidentRolesRepo, type IncidentRolesRepo } from './incident-roles-repo.js';
import { incidentsRepo, type IncidentsRepo } from './incidents-repo.js';
import { metricsRepo, type MetricsRepo } from './metrics-repo.js';
import { outboxRepo, type OutboxRepo } from './outbox-repo.js';
import { postmortemsRepo, type PostmortemsRepo } from './postmortems-repo.js';
import { settingsRepo, type SettingsRepo } from './settings-repo.js';
import { subscribersRepo, type SubscribersRepo } from './subscribers-repo.js';
import { templatesRepo, type TemplatesRepo } from './templates-repo.js';
import { timelineRepo, type TimelineRepo } from './timeline-repo.js';

export interface Repos {
  settings: SettingsRepo;
  components: ComponentsRepo;
  incidents: IncidentsRepo;
  accounts: AccountsRepo;
  audit: AuditRepo;
  templates: TemplatesRepo;
  subscribers: SubscribersRepo;
  outbox: OutboxRepo;
  roles: IncidentRolesRepo;
  destinations: DestinationsRepo;
  deliveries: DeliveriesRepo;
  alerts: AlertsRepo;
  timeline: TimelineRepo;
  postmortems: PostmortemsRepo;
  metrics: MetricsRepo;
  channelSubscribers: ChannelSubscribersRepo;
  customerNotices: CustomerNoticesRepo;
  customerDeliveries: CustomerDeliveriesRepo;
  channelAdmin: ChannelAdminRepo;
}

export function createRepos(orm: Orm): Repos {
  return {
    settings: settingsRepo(orm),
    components: componentsRepo(orm),
    incidents: incidentsRepo(orm),
    accounts: accountsRepo(orm),
    audit: auditRepo(orm),
    templates: templatesRepo(orm),
    subscribers: subscribersRepo(orm),
    outbox: outboxRepo(orm),
    roles: incidentRolesRepo(orm),
    destinations: destinationsRepo(orm),
    deliveries: deliveriesRepo(orm),
    alerts: alertsRepo(orm),
    timeline: timelineRepo(orm),
    postmortems: postmortemsRepo(orm),
    metrics: metricsRepo(orm),
    channelSubscribers: channelSubscribersRepo(orm),
    customerNotices: customerNoticesRepo(orm),
    customerDeliveries: customerDeliveriesRepo(orm),
    channelAdmin: channelAdminRepo(orm),
  };
}
