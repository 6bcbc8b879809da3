/**
 * The vocabulary of the domain. Drizzle-free so that pure code, the schema,
 * zod inputs and presenters can all import it.
 */

/** Component statuses, in Statuspage API v2 spelling. */
export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const COMPONENT_STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  under_maintenance: 'Under maintenance',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export const INCIDENT_KINDS = ['incident', 'maintenance'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Lifecycle of an unplanned incident. */
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Lifecycle of scheduled maintenance. */
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export type AnyIncidentStatus = IncidentStatus | MaintenanceStatus;
export const ANY_INCIDENT_STATUSES = [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES] as const;

export const INCIDENT_STATUS_LABELS: Record<AnyIncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

/** Customer-facing impact, in Statuspage API v2 spelling. */
export const IMPACTS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type Impact = (typeof IMPACTS)[number];

export const IMPACT_LABELS: Record<Impact, string> = {
  none: 'No impact',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
  maintenance: 'Maintenance',
};

/** Internal severity; drives the response, never shown as "SEV" to customers. */
export const SEVERITIES = [1, 2, 3, 4] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Team roles, cumulative (see domain/roles.ts). */
export const ROLES = ['owner', 'admin', 'comms', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What an API token may do: act as one of the roles, or `alerts`, which can
 * only post alerts to the intake endpoints (a monitoring system's token).
 */
export const TOKEN_SCOPES = [...ROLES, 'alerts'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/* ---- Subscribers and mail ---- */

/**
 * pending: signed up, not confirmed (gets only the confirmation email).
 * confirmed: gets notifications. unsubscribed: asked to stop.
 * suppressed: bounced or complained; never mailed again unless an admin lifts it.
 */
export const SUBSCRIBER_STATUSES = ['pending', 'confirmed', 'unsubscribed', 'suppressed'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const SUBSCRIBER_STATUS_LABELS: Record<SubscriberStatus, string> = {
  pending: 'Pending confirmation',
  confirmed: 'Confirmed',
  unsubscribed: 'Unsubscribed',
  suppressed: 'Suppressed',
};

/** What an outbox message is: an incident/maintenance update, or a mail about the subscription itself. */
export const MAIL_KINDS = ['update', 'confirm', 'already_subscribed', 'postmortem', 'component'] as const;
/** What a fan-out announces to an incident's subscribers: an update, or the incident's public postmortem. */
export const FANOUT_KINDS = ['update', 'postmortem'] as const;
export type FanoutKind = (typeof FANOUT_KINDS)[number];
export type MailKind = (typeof MAIL_KINDS)[number];

/**
 * queued: waiting to be sent. sending: in a batch whose membership and
 * idempotency key are fixed (retries and crash recovery resend exactly that
 * batch). sent / failed: final. skipped: not sent because the subscriber left
 * (or the update went) before its turn.
 */
export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'failed', 'skipped'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/* ---- The hub inside the company: incident roles and internal destinations ---- */

/** The people who run an incident (each an account or a free-text name). */
export const INCIDENT_ROLES = ['incident_commander', 'comms_lead', 'ops_lead', 'scribe'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];

export const INCIDENT_ROLE_LABELS: Record<IncidentRole, string> = {
  incident_commander: 'Incident Commander',
  comms_lead: 'Comms Lead',
  ops_lead: 'Ops Lead',
  scribe: 'Scribe',
};

/** Where internal notifications go: chat webhooks and a signed generic JSON webhook. */
export const DESTINATION_TYPES = ['slack', 'teams', 'discord', 'google_chat', 'webhook'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

export const DESTINATION_TYPE_LABELS: Record<DestinationType, string> = {
  slack: 'Slack',
  teams: 'Microsoft Teams',
  discord: 'Discord',
  google_chat: 'Google Chat',
  webhook: 'Webhook (signed JSON)',
};

/** What an internal notification announces. */
export const NOTIFICATION_KINDS = [
  'declaration',
  'update',
  'severity_change',
  'role_change',
  'resolution',
  'reminder',
  'test',
  /** An alert opened a draft incident (issue 16). */
  'alert',
  /** A draft from a SEV-1/2 rule is still unacknowledged. */
  'escalation',
  /** Someone took an alert's draft on. */
  'alert_acknowledged',
  /** A postmortem is due within a day (issue 17). */
  'postmortem_due_soon',
  /** A postmortem is past its due date and not published. */
  'postmortem_overdue',
] as const;

/** The kinds about an alert's draft rather than an incident (their incidentId is the draft's id). */
export const DRAFT_NOTIFICATION_KINDS = ['alert', 'escalation', 'alert_acknowledged'] as const satisfies readonly NotificationKind[];
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * queued: waiting (first try, or a retry once due_at passes). sending: held by
 * a drainer until due_at (after which another resumes it). sent / failed: final.
 */
export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/* ---- Customers subscribed by webhook and chat (issue 18) ---- */

/** How a customer's system or team channel is reached: a Statuspage-format webhook, or a chat incoming webhook. */
export const CHANNEL_SUBSCRIBER_TYPES = ['webhook', 'slack', 'teams', 'discord'] as const;
export type ChannelSubscriberType = (typeof CHANNEL_SUBSCRIBER_TYPES)[number];

export const CHANNEL_SUBSCRIBER_TYPE_LABELS: Record<ChannelSubscriberType, string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  discord: 'Discord',
};

/**
 * pending: waiting for the contact to confirm by email (nothing is sent to the
 * endpoint). confirmed: gets notifications. disabled: failed for longer than
 * the page allows; the contact was told and may re-enable it.
 * (Unsubscribing deletes the row.)
 */
export const CHANNEL_SUBSCRIBER_STATUSES = ['pending', 'confirmed', 'disabled'] as const;
export type ChannelSubscriberStatus = (typeof CHANNEL_SUBSCRIBER_STATUSES)[number];

/** How a webhook or chat subscriber is doing (the admin's filter): healthy, failing since its last success, or disabled after failing too long. */
export const CHANNEL_HEALTHS = ['healthy', 'failing', 'disabled'] as const;
export type ChannelHealth = (typeof CHANNEL_HEALTHS)[number];

/** What a customer notice announces: an incident or maintenance update, or a component's status changed outside one. */
export const CUSTOMER_NOTICE_KINDS = ['incident', 'component'] as const;
export type CustomerNoticeKind = (typeof CUSTOMER_NOTICE_KINDS)[number];

/**
 * waiting: a component change inside its flap window (it may still revert or
 * move on). ready: to be expanded into deliveries (cursor says how far).
 * done: expanded. dropped: reverted within the window, nothing sent.
 */
export const CUSTOMER_NOTICE_STATES = ['waiting', 'ready', 'done', 'dropped'] as const;
export type CustomerNoticeState = (typeof CUSTOMER_NOTICE_STATES)[number];

/** Who a template is for: customers (page, feeds, email) or the company's own channels. */
export const TEMPLATE_AUDIENCES = ['public', 'internal'] as const;
export type TemplateAudience = (typeof TEMPLATE_AUDIENCES)[number];

/* ---- Alerts from monitoring (issue 16) ---- */

/** Where an alert came from: each has its own intake endpoint and payload. */
export const ALERT_SOURCES = ['alertmanager', 'grafana', 'uptime_kuma', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const ALERT_SOURCE_LABELS: Record<AlertSource, string> = {
  alertmanager: 'Prometheus Alertmanager',
  grafana: 'Grafana',
  uptime_kuma: 'Uptime Kuma',
  generic: 'Generic JSON',
};

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * A draft incident, opened by a firing alert and never public.
 * open: nobody has it yet. acknowledged: someone has it. declared: an incident
 * was declared from it (its alerts stay on the incident). dismissed: not an
 * incident (a person said why). resolved: all its alerts resolved before
 * anyone declared it.
 */
export const DRAFT_STATUSES = ['open', 'acknowledged', 'declared', 'dismissed', 'resolved'] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

export const DRAFT_STATUS_LABELS: Record<DraftStatus, string> = {
  open: 'Unacknowledged',
  acknowledged: 'Acknowledged',
  declared: 'Declared',
  dismissed: 'Dismissed',
  resolved: 'Resolved on its own',
};

/** How the team learned of an incident (for the detection metrics). */
export const DETECTION_SOURCES = ['alert', 'customer_report', 'internal', 'other'] as const;
export type DetectionSource = (typeof DETECTION_SOURCES)[number];

export const DETECTION_SOURCE_LABELS: Record<DetectionSource, string> = {
  alert: 'Alert from monitoring',
  customer_report: 'Customer report',
  internal: 'Noticed by the team',
  other: 'Other',
};

/* ---- After the fire: timeline, postmortems, action items (issue 17) ---- */

/** The incident's key times, each from the data by default and correctable with a reason. */
export const TIMELINE_MARKERS = ['impact_started', 'detected', 'acknowledged', 'mitigated', 'resolved'] as const;
export type TimelineMarker = (typeof TIMELINE_MARKERS)[number];

export const TIMELINE_MARKER_LABELS: Record<TimelineMarker, string> = {
  impact_started: 'Impact started',
  detected: 'Detected',
  acknowledged: 'Acknowledged',
  mitigated: 'Mitigated',
  resolved: 'Resolved',
};

/** A scribe's line, or a correction of a key time. */
export const TIMELINE_ENTRY_KINDS = ['note', 'marker'] as const;
export type TimelineEntryKind = (typeof TIMELINE_ENTRY_KINDS)[number];

/**
 * draft: being written. in_review: ready for the team to read. published:
 * final, internal (it counts as completed for the on-time rate). The
 * customer-facing text is published on the page separately.
 */
export const POSTMORTEM_STATES = ['draft', 'in_review', 'published'] as const;
export type PostmortemState = (typeof POSTMORTEM_STATES)[number];

export const POSTMORTEM_STATE_LABELS: Record<PostmortemState, string> = {
  draft: 'Draft',
  in_review: 'In review',
  published: 'Published (internal)',
};

export const ACTION_ITEM_PRIORITIES = ['P0', 'P1', 'P2'] as const;
export type ActionItemPriority = (typeof ACTION_ITEM_PRIORITIES)[number];

export const ACTION_ITEM_STATUSES = ['open', 'done', 'wont_do'] as const;
export type ActionItemStatus = (typeof ACTION_ITEM_STATUSES)[number];

export const ACTION_ITEM_STATUS_LABELS: Record<ActionItemStatus, string> = {
  open: 'Open',
  done: 'Done',
  wont_do: "Won't do",
};
