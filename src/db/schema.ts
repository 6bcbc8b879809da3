import { index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import {
  ALERT_SOURCES,
  ALERT_STATUSES,
  ANY_INCIDENT_STATUSES,
  COMPONENT_STATUSES,
  DETECTION_SOURCES,
  DRAFT_STATUSES,
  CHANNEL_SUBSCRIBER_STATUSES,
  CHANNEL_SUBSCRIBER_TYPES,
  CUSTOMER_NOTICE_KINDS,
  CUSTOMER_NOTICE_STATES,
  DELIVERY_STATUSES,
  DESTINATION_TYPES,
  IMPACTS,
  INCIDENT_ROLES,
  INCIDENT_KINDS,
  MAIL_KINDS,
  FANOUT_KINDS,
  NOTIFICATION_KINDS,
  OUTBOX_STATUSES,
  ROLES,
  SUBSCRIBER_STATUSES,
  TEMPLATE_AUDIENCES,
  TOKEN_SCOPES,
  ACTION_ITEM_PRIORITIES,
  ACTION_ITEM_STATUSES,
  POSTMORTEM_STATES,
  TIMELINE_ENTRY_KINDS,
  TIMELINE_MARKERS,
  type ComponentStatus,
  type TimelineMarker,
} from '../domain/constants.js';

/*
 * Times are integer milliseconds since the epoch (UTC). Public ids are random
 * 12-character strings (see lib/ids.ts) so URLs and API ids are not guessable
 * sequences; internal-only rows use integer keys.
 */

/** Key/value state of the installation (revision counter, first-start marker). */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** The page's settings: always exactly one row, id 1. */
export const settings = sqliteTable('settings', {
  id: integer('id').primaryKey(),
  /**
   * Minutes between internal updates per severity (JSON {"1":15,"2":30,"3":120};
   * a severity left out has no internal cadence); null: the defaults.
   */
  internalCadence: text('internal_cadence', { mode: 'json' }).$type<Record<string, number>>(),
  /** Remind the Comms Lead (email) and the destinations when an internal update is overdue. */
  internalReminders: integer('internal_reminders', { mode: 'boolean' }).notNull().default(false),
  /** Minutes a draft from a SEV-1/2 rule may stay unacknowledged before it is announced again. */
  alertEscalationMinutes: integer('alert_escalation_minutes').notNull().default(5),
  /** The members emailed when a draft is escalated (JSON list of user ids); null: every owner. */
  alertEscalationUserIds: text('alert_escalation_user_ids', { mode: 'json' }).$type<string[]>(),
  /** Hours from resolution to a postmortem's due date per severity (JSON {"1":48,...}; left out: none required); null: the defaults. */
  postmortemDueHours: text('postmortem_due_hours', { mode: 'json' }).$type<Record<string, number>>(),
  /** The Markdown a new postmortem starts from ({{placeholders}} filled from the incident); null: Herald's default. */
  postmortemTemplate: text('postmortem_template'),
  /** Tell subscribers when a component's status changes outside an incident (email: those who opted in). */
  componentNotifications: integer('component_notifications', { mode: 'boolean' }).notNull().default(false),
  /** A component change reverted within this many seconds sends nothing (flapping). */
  componentFlapWindowSeconds: integer('component_flap_window_seconds').notNull().default(120),
  /** A webhook or chat subscriber failing without a success for this many hours is disabled. */
  channelDisableAfterHours: integer('channel_disable_after_hours').notNull().default(72),
  pageId: text('page_id').notNull(),
  name: text('name').notNull(),
  url: text('url').notNull(),
  timeZone: text('time_zone').notNull(),
  logoUrl: text('logo_url'),
  accentColor: text('accent_color').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const componentGroups = sqliteTable('component_groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  position: integer('position').notNull(),
  example: integer('example', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const components = sqliteTable(
  'components',
  {
    id: text('id').primaryKey(),
    groupId: text('group_id').references(() => componentGroups.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    description: text('description'),
    position: integer('position').notNull(),
    status: text('status', { enum: COMPONENT_STATUSES }).notNull(),
    hidden: integer('hidden', { mode: 'boolean' }).notNull().default(false),
    onlyShowIfDegraded: integer('only_show_if_degraded', { mode: 'boolean' }).notNull().default(false),
    /** When the component started being tracked; uptime before it has no data. */
    startedAt: integer('started_at').notNull(),
    example: integer('example', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('components_group_position').on(t.groupId, t.position)],
);

/** Every status a component has been in, from when. Uptime and bars come from here. */
export const componentStatusChanges = sqliteTable(
  'component_status_changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
    status: text('status', { enum: COMPONENT_STATUSES }).notNull(),
    at: integer('at').notNull(),
    incidentId: text('incident_id').references(() => incidents.id, { onDelete: 'set null' }),
  },
  (t) => [index('component_status_changes_component_at').on(t.componentId, t.at)],
);

export const incidents = sqliteTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: INCIDENT_KINDS }).notNull(),
    title: text('title').notNull(),
    /** 1..4 for incidents; null for maintenance. */
    severity: integer('severity'),
    impact: text('impact', { enum: IMPACTS }).notNull(),
    status: text('status', { enum: ANY_INCIDENT_STATUSES }).notNull(),
    startedAt: integer('started_at').notNull(),
    monitoringAt: integer('monitoring_at'),
    resolvedAt: integer('resolved_at'),
    scheduledFor: integer('scheduled_for'),
    scheduledUntil: integer('scheduled_until'),
    /** The next public update promised to customers ("next update by 14:30"). */
    nextUpdateAt: integer('next_update_at'),
    /** Whether updates go to subscribers. */
    notify: integer('notify', { mode: 'boolean' }).notNull().default(false),
    example: integer('example', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Changes since creation (every update of the row adds one): the iCalendar SEQUENCE. */
    sequence: integer('sequence').notNull().default(0),
    /** Where responders gather (a call or chat link); internal only. */
    warRoomUrl: text('war_room_url'),
    /** The runbook for this kind of failure; internal only. */
    runbookUrl: text('runbook_url'),
    /** The dashboard showing the failure; internal only. */
    dashboardUrl: text('dashboard_url'),
    /** When the Comms Lead was last reminded of an overdue internal update (one reminder per overdue period). */
    internalRemindedAt: integer('internal_reminded_at'),
    /** How the team learned of it (alert, customer report, ...); null: not recorded. */
    detectionSource: text('detection_source', { enum: DETECTION_SOURCES }),
    /** When the team learned of it (an alert's start time when declared from one). */
    detectedAt: integer('detected_at'),
    /** When someone took it on, and who ("Ada Lovelace <ada@example.com>"). */
    acknowledgedAt: integer('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    /**
     * The draft it was declared from (unique: two people declaring the same
     * draft at once make one incident, the other gets a conflict).
     */
    alertDraftId: text('alert_draft_id')
      .unique()
      .references((): AnySQLiteColumn => alertDrafts.id, { onDelete: 'set null' }),
    /**
     * The key times people corrected (JSON marker -> epoch ms): each wins over
     * the time the data gives (services/timeline). The corrections themselves,
     * with their reasons, are timeline entries.
     */
    markerTimes: text('marker_times', { mode: 'json' }).$type<Partial<Record<TimelineMarker, number>>>(),
  },
  (t) => [
    index('incidents_kind_status').on(t.kind, t.status),
    index('incidents_started_at').on(t.startedAt),
    index('incidents_kind_started_at').on(t.kind, t.startedAt),
    index('incidents_scheduled_for').on(t.scheduledFor),
  ],
);

/** Components an incident affects. */
export const incidentComponents = sqliteTable(
  'incident_components',
  {
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.componentId] }), index('incident_components_component').on(t.componentId)],
);

export const incidentUpdates = sqliteTable(
  'incident_updates',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ANY_INCIDENT_STATUSES }).notNull(),
    /** Markdown, rendered and sanitized on output. */
    body: text('body').notNull(),
    /** When the update was published (shown to customers; kept on edits). */
    at: integer('at').notNull(),
    /**
     * The template placeholder values the update was written with (JSON, name
     * -> value), so the next update of the incident starts from them. Never
     * shown to customers; null when none were used.
     */
    placeholders: text('placeholders', { mode: 'json' }).$type<Record<string, string>>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('incident_updates_incident_at').on(t.incidentId, t.at)],
);

/** Component status changes an update made (Statuspage's affected_components). */
export const incidentUpdateComponents = sqliteTable(
  'incident_update_components',
  {
    updateId: text('update_id')
      .notNull()
      .references(() => incidentUpdates.id, { onDelete: 'cascade' }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
    oldStatus: text('old_status', { enum: COMPONENT_STATUSES }).notNull(),
    newStatus: text('new_status', { enum: COMPONENT_STATUSES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.updateId, t.componentId] })],
);

export type SettingsRow = typeof settings.$inferSelect;
export type ComponentGroupRow = typeof componentGroups.$inferSelect;
export type ComponentRow = typeof components.$inferSelect;
export type IncidentRow = typeof incidents.$inferSelect;
export type IncidentUpdateRow = typeof incidentUpdates.$inferSelect;
export type IncidentUpdateComponentRow = typeof incidentUpdateComponents.$inferSelect;

/* ---- Accounts, access and audit (the Comms Lead's workspace) ---- */

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  /** Lower-cased; unique. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ROLES }).notNull(),
  /** "pbkdf2-sha256$<iterations>$<salt>$<hash>" (see lib/crypto.ts). */
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  disabledAt: integer('disabled_at'),
});

/** Server-side sessions; the cookie holds a random token, the table only its SHA-256. */
export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Per-session CSRF secret, sent back in every form. */
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_expires').on(t.expiresAt)],
);

/** Management API tokens, hashed at rest, scoped, revocable. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** The role this token acts with. */
    scope: text('scope', { enum: TOKEN_SCOPES }).notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
);

/** One-time links: the first owner's setup and password resets. */
export const oneTimeTokens = sqliteTable('one_time_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  purpose: text('purpose', { enum: ['setup', 'password_reset'] }).notNull(),
  userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
  createdAt: integer('created_at').notNull(),
});

/** Failed login attempts per key ("account:<email>" or "ip:<address>") in a sliding window. */
export const loginAttempts = sqliteTable(
  'login_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('login_attempts_key_at').on(t.key, t.at)],
);

/** Who did what, when. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actorId: text('actor_id'),
    /** "Ada Lovelace <ada@example.com>" or "token: deploy-bot", kept if the actor goes. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    /** JSON with the details of the change. */
    details: text('details'),
  },
  (t) => [index('audit_log_at').on(t.at), index('audit_log_target').on(t.targetType, t.targetId, t.at)],
);

/** Update templates with {{placeholders}}, one or more per lifecycle step. */
export const templates = sqliteTable('templates', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** public: for the page, feeds and email; internal: for the company's own channels (destinations). */
  audience: text('audience', { enum: TEMPLATE_AUDIENCES }).notNull().default('public'),
  kind: text('kind', { enum: INCIDENT_KINDS }).notNull(),
  status: text('status', { enum: ANY_INCIDENT_STATUSES }).notNull(),
  title: text('title'),
  body: text('body').notNull(),
  position: integer('position').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type TemplateRow = typeof templates.$inferSelect;

/* ---- Subscribers and the mail outbox ---- */

export const subscribers = sqliteTable(
  'subscribers',
  {
    id: text('id').primaryKey(),
    /** Lower-cased; unique. */
    email: text('email').notNull().unique(),
    status: text('status', { enum: SUBSCRIBER_STATUSES }).notNull(),
    /**
     * The secret half of the subscriber's link token ("<id>.<secret>") in every
     * email: confirm, manage preferences, unsubscribe. Stored as is because each
     * email must carry it; it grants nothing beyond this one subscription.
     */
    secret: text('secret').notNull(),
    /** Every component (the default); otherwise the rows in subscriber_components and subscriber_groups. */
    allComponents: integer('all_components', { mode: 'boolean' }).notNull().default(true),
    /** form | import | api */
    source: text('source').notNull(),
    /** Why the address is suppressed (bounce, complaint, permanent failure). */
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    confirmedAt: integer('confirmed_at'),
    /** The last confirmation (or "already subscribed") email queued, to space them out. */
    lastNoticeAt: integer('last_notice_at'),
    /** Opted in to component status notifications (when the page sends them). */
    componentUpdates: integer('component_updates', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('subscribers_status').on(t.status)],
);

export const subscriberComponents = sqliteTable(
  'subscriber_components',
  {
    subscriberId: text('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.componentId] }), index('subscriber_components_component').on(t.componentId)],
);

/** A group subscription covers the group's components, including ones added later. */
export const subscriberGroups = sqliteTable(
  'subscriber_groups',
  {
    subscriberId: text('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    groupId: text('group_id')
      .notNull()
      .references(() => componentGroups.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.groupId] }), index('subscriber_groups_group').on(t.groupId)],
);

/**
 * The durable outbox: one row per email to send. Update emails are written by
 * the same atomic write that publishes the update; a drainer sends them in
 * batches (see services/notifications/outbox.ts).
 */
export const mailOutbox = sqliteTable(
  'mail_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: MAIL_KINDS }).notNull(),
    subscriberId: text('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    /** The incident update this email announces (kind "update"); kind "postmortem": the incident's latest update at the time. */
    updateId: text('update_id').references(() => incidentUpdates.id, { onDelete: 'cascade' }),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull(),
    /** The batch this row was claimed into, which names its idempotency key. Fixed once set. */
    batchId: text('batch_id'),
    /** The drainer run that holds the batch now (a drainer works only on rows carrying its lease). */
    lease: text('lease'),
    /** Send attempts of its batch so far. */
    attempts: integer('attempts').notNull().default(0),
    /**
     * queued: when it was queued (claims take the oldest first). sending: the
     * current holder owns the batch until then; after it, the batch is retried
     * (after a failure) or resumed (after a crash) by whichever drainer comes next.
     */
    dueAt: integer('due_at').notNull(),
    /** The provider's message id, once sent. */
    providerId: text('provider_id'),
    /** Why the last attempt failed (kept on retries; final on failed). */
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    /** Kind "component": the component notice it announces. */
    noticeId: text('notice_id').references((): AnySQLiteColumn => customerNotices.id, { onDelete: 'cascade' }),
  },
  (t) => [
    index('mail_outbox_status_due').on(t.status, t.dueAt),
    // Only claimed rows have a batch: queued ones (most of a fresh fan-out) stay out of this index.
    index('mail_outbox_batch').on(t.batchId).where(sql`batch_id IS NOT NULL`),
    index('mail_outbox_update_status').on(t.updateId, t.status),
    index('mail_outbox_subscriber').on(t.subscriberId),
    index('mail_outbox_notice').on(t.noticeId).where(sql`notice_id IS NOT NULL`),
  ],
);

/**
 * An update's fan-out still to be written into mail_outbox. Publishing an
 * update writes this one row (in the same atomic write); the drainer then
 * expands it in chunks of subscribers, in id order, each chunk and the new
 * cursor in one write, and deletes it when done. Whoever was confirmed when
 * the update was published (and still is) gets the email.
 */
export const mailFanouts = sqliteTable(
  'mail_fanouts',
  {
    /** The update announced; for a postmortem, the incident's latest update (its subscribers are the incident's). */
    updateId: text('update_id')
      .notNull()
      .references(() => incidentUpdates.id, { onDelete: 'cascade' }),
    /** The kind of the emails it writes: the update itself, or the incident's public postmortem. */
    kind: text('kind', { enum: FANOUT_KINDS }).notNull().default('update'),
    /** The last subscriber id already expanded ('' before the first chunk). */
    cursor: text('cursor').notNull().default(''),
    /** When the update (or postmortem) was published: subscribers confirmed later are not part of it. */
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.updateId, t.kind] })],
);

/**
 * Delivery counts of pruned outbox rows (finished emails older than the
 * retention), so an update's totals survive the pruning of its rows.
 */
export const mailDeliveryTotals = sqliteTable(
  'mail_delivery_totals',
  {
    updateId: text('update_id')
      .notNull()
      .references(() => incidentUpdates.id, { onDelete: 'cascade' }),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.updateId, t.status] })],
);

export type SubscriberRow = typeof subscribers.$inferSelect;
export type MailOutboxRow = typeof mailOutbox.$inferSelect;

/* ---- The hub inside the company: roles, internal updates, destinations ---- */

/** Who holds each role of an incident now (history: the audit log). */
export const incidentRoles = sqliteTable(
  'incident_roles',
  {
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    role: text('role', { enum: INCIDENT_ROLES }).notNull(),
    /** The team member, when the role is held by an account. */
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** What is shown: the account's name when assigned, or a free-text name or handle. */
    name: text('name').notNull(),
    assignedAt: integer('assigned_at').notNull(),
    /** The actor who assigned it, as the audit log names them. */
    assignedBy: text('assigned_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.role] }), index('incident_roles_user').on(t.userId)],
);

/** Updates for the company only: never on the page, in feeds or in email; sent to the destinations. */
export const internalUpdates = sqliteTable(
  'internal_updates',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    /** The incident's status when it was posted. */
    status: text('status', { enum: ANY_INCIDENT_STATUSES }).notNull(),
    /** Markdown. */
    body: text('body').notNull(),
    at: integer('at').notNull(),
    /** The actor who posted it, as the audit log names them. */
    author: text('author').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('internal_updates_incident_at').on(t.incidentId, t.at)],
);

/** The company's own channels (Slack, Teams, Discord, Google Chat, signed webhooks) and what each wants. */
export const destinations = sqliteTable('destinations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  type: text('type', { enum: DESTINATION_TYPES }).notNull(),
  /** The webhook URL: a secret (whoever has it can post to the channel). Never shown back in full. */
  url: text('url').notNull(),
  /** Standard Webhooks signing secret ("whsec_<base64>"), type webhook only. */
  signingSecret: text('signing_secret'),
  /** Severities it wants (JSON array of 1..4); null: every severity. */
  severities: text('severities', { mode: 'json' }).$type<number[]>(),
  /** Component ids it wants (JSON array; an incident touching any of them); null: every incident. */
  componentIds: text('component_ids', { mode: 'json' }).$type<string[]>(),
  /** Allow a private-network address (a self-hosted chat server); loopback and link-local stay refused. */
  allowPrivate: integer('allow_private', { mode: 'boolean' }).notNull().default(false),
  /** Paused destinations get nothing (nothing is queued for them meanwhile). */
  pausedAt: integer('paused_at'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * The destinations' outbox: one row per message to one destination, written
 * in the same atomic write as what it announces. A drainer sends them
 * (services/destinations/deliveries.ts); the row is also the delivery log.
 */
export const destinationDeliveries = sqliteTable(
  'destination_deliveries',
  {
    /** Order of queueing: a destination gets its messages in this order. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Stable across retries and crashes: the Standard Webhooks webhook-id. */
    messageId: text('message_id').notNull().unique(),
    destinationId: text('destination_id')
      .notNull()
      .references(() => destinations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
    /** The incident it is about (null for a test message). */
    incidentId: text('incident_id').references(() => incidents.id, { onDelete: 'cascade' }),
    /** The InternalNotification as it stood when queued (JSON): every attempt sends the same message. */
    message: text('message', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** queued: not before then. sending: the holder owns it until then. */
    dueAt: integer('due_at').notNull(),
    /** The drainer run holding it while sending. */
    lease: text('lease'),
    /** The last attempt: HTTP status (null when none came back), milliseconds, error. */
    responseStatus: integer('response_status'),
    latencyMs: integer('latency_ms'),
    error: text('error'),
    lastAttemptAt: integer('last_attempt_at'),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    index('destination_deliveries_status_due').on(t.status, t.dueAt),
    index('destination_deliveries_destination').on(t.destinationId, t.id),
    index('destination_deliveries_incident').on(t.incidentId),
  ],
);

/* ---- Customers subscribed by webhook and chat (issue 18) ---- */

/**
 * A customer's system or team channel: a Statuspage-format webhook, or a
 * Slack, Teams or Discord incoming webhook. Confirmed by an email to the
 * contact (double opt-in), so nobody can point Herald at someone else's URL.
 */
export const channelSubscribers = sqliteTable(
  'channel_subscribers',
  {
    id: text('id').primaryKey(),
    type: text('type', { enum: CHANNEL_SUBSCRIBER_TYPES }).notNull(),
    /** The endpoint. A chat webhook URL is a secret (whoever has it can post): never shown back in full. */
    url: text('url').notNull(),
    /** Lower-cased: confirmation, failure and "disabled" emails go here. */
    contactEmail: text('contact_email').notNull(),
    status: text('status', { enum: CHANNEL_SUBSCRIBER_STATUSES }).notNull(),
    /** The secret half of the manage/unsubscribe link token ("<id>.<secret>"), as for email subscribers. */
    secret: text('secret').notNull(),
    /** Standard Webhooks signing secret ("whsec_<base64>"), type webhook only; shown once, at confirmation. */
    signingSecret: text('signing_secret'),
    /** Every component (the default); otherwise the ids below. */
    allComponents: integer('all_components', { mode: 'boolean' }).notNull().default(true),
    componentIds: text('component_ids', { mode: 'json' }).notNull().$type<string[]>().default(sql`'[]'`),
    /** A group covers the group's components, including ones added later. */
    groupIds: text('group_ids', { mode: 'json' }).notNull().$type<string[]>().default(sql`'[]'`),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    confirmedAt: integer('confirmed_at'),
    /** The last confirmation email sent, to space them out. */
    lastNoticeAt: integer('last_notice_at'),
    /** Health: the last delivery that succeeded, and the last that failed (its HTTP status, null when none came back). */
    lastSuccessAt: integer('last_success_at'),
    lastFailureAt: integer('last_failure_at'),
    lastFailureStatus: integer('last_failure_status'),
    lastFailureError: text('last_failure_error'),
    /** The first failure since the last success; null while healthy. Disabled once it is older than the page allows. */
    failingSince: integer('failing_since'),
    disabledAt: integer('disabled_at'),
    /** When the contact was emailed that it is disabled (claimed once). */
    disabledNoticeAt: integer('disabled_notice_at'),
  },
  (t) => [
    index('channel_subscribers_status').on(t.status),
    index('channel_subscribers_contact').on(t.contactEmail),
    // One subscription per endpoint.
    uniqueIndex('channel_subscribers_url').on(t.url),
  ],
);

/**
 * Something customers' channels are told: an incident (or maintenance) update,
 * or a component's status change outside an incident. Publishing writes the
 * row in its own write; a drainer expands it into customer_deliveries, a chunk
 * of subscribers per write (the cursor), as mail_fanouts does for email.
 */
export const customerNotices = sqliteTable(
  'customer_notices',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: CUSTOMER_NOTICE_KINDS }).notNull(),
    /** Kind incident: the update announced (its incident's subscribers hear of it). */
    updateId: text('update_id').references(() => incidentUpdates.id, { onDelete: 'cascade' }),
    /** Kind component: the component, its status before the first change and after the last one in the window. */
    componentId: text('component_id').references(() => components.id, { onDelete: 'cascade' }),
    oldStatus: text('old_status', { enum: COMPONENT_STATUSES }),
    newStatus: text('new_status', { enum: COMPONENT_STATUSES }),
    state: text('state', { enum: CUSTOMER_NOTICE_STATES }).notNull(),
    /** waiting: the end of the flap window; ready: when it was published. */
    dueAt: integer('due_at').notNull(),
    /** The last channel subscriber id already expanded ('' before the first chunk). */
    cursor: text('cursor').notNull().default(''),
    /** The last email subscriber id already expanded (kind component, email subscribers who opted in). */
    emailCursor: text('email_cursor').notNull().default(''),
    /** The notification as built at the first expansion (JSON): every delivery and retry sends the same facts. */
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('customer_notices_state_due').on(t.state, t.dueAt),
    index('customer_notices_update').on(t.updateId),
    index('customer_notices_component_state').on(t.componentId, t.state),
  ],
);

/** The customer channels' outbox: one row per notice per subscriber; also the delivery log. */
export const customerDeliveries = sqliteTable(
  'customer_deliveries',
  {
    /** Order of queueing: a subscriber gets its messages in this order. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Stable across retries and crashes: the Standard Webhooks webhook-id. */
    messageId: text('message_id').notNull().unique(),
    noticeId: text('notice_id')
      .notNull()
      .references(() => customerNotices.id, { onDelete: 'cascade' }),
    subscriberId: text('subscriber_id')
      .notNull()
      .references(() => channelSubscribers.id, { onDelete: 'cascade' }),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** queued: not before then. sending: the holder owns it until then. */
    dueAt: integer('due_at').notNull(),
    lease: text('lease'),
    /** The last attempt: HTTP status (null when none came back), milliseconds, error. */
    responseStatus: integer('response_status'),
    latencyMs: integer('latency_ms'),
    error: text('error'),
    lastAttemptAt: integer('last_attempt_at'),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    index('customer_deliveries_status_due').on(t.status, t.dueAt),
    index('customer_deliveries_subscriber').on(t.subscriberId, t.id),
    index('customer_deliveries_notice_status').on(t.noticeId, t.status),
  ],
);

export type ChannelSubscriberRow = typeof channelSubscribers.$inferSelect;
export type CustomerNoticeRow = typeof customerNotices.$inferSelect;
export type CustomerDeliveryRow = typeof customerDeliveries.$inferSelect;

export type IncidentRoleRow = typeof incidentRoles.$inferSelect;
export type InternalUpdateRow = typeof internalUpdates.$inferSelect;
export type DestinationRow = typeof destinations.$inferSelect;
export type DestinationDeliveryRow = typeof destinationDeliveries.$inferSelect;

/* ---- Alerts from monitoring (issue 16) ---- */

/**
 * How alerts map to components and a suggested severity. Rules are tried in
 * `position` order and the first whose matchers all equal the alert's labels
 * wins; an alert no rule matches still arrives, unassigned.
 */
export const alertRules = sqliteTable('alert_rules', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  position: integer('position').notNull(),
  /** Only alerts from this source; null: any. */
  source: text('source', { enum: ALERT_SOURCES }),
  /** Label name -> exact value; every one must match (JSON). */
  matchers: text('matchers', { mode: 'json' }).notNull().$type<Record<string, string>>(),
  componentIds: text('component_ids', { mode: 'json' }).notNull().$type<string[]>(),
  /** The suggested severity; null: none suggested. */
  severity: integer('severity'),
  /** Opt-in: the components take this status while the alert fires, and go back when it resolves. */
  autoComponentStatus: text('auto_component_status', { enum: COMPONENT_STATUSES }),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * A draft incident: what firing alerts open. Never public, never emailed; a
 * person acknowledges it, declares an incident from it or dismisses it.
 */
export const alertDrafts = sqliteTable(
  'alert_drafts',
  {
    id: text('id').primaryKey(),
    /**
     * Set while the draft is open to new alerts (unique, so two deliveries of
     * the same group racing each other open one draft): "components:<ids>" for
     * alerts a rule maps to components, else "group:<source>:<group key>".
     * Null once closed.
     */
    openKey: text('open_key').unique(),
    status: text('status', { enum: DRAFT_STATUSES }).notNull(),
    source: text('source', { enum: ALERT_SOURCES }).notNull(),
    /** The first alert's summary. */
    title: text('title').notNull(),
    /** The most severe severity its rules suggest; null: none. */
    severity: integer('severity'),
    componentIds: text('component_ids', { mode: 'json' }).notNull().$type<string[]>(),
    ruleId: text('rule_id').references(() => alertRules.id, { onDelete: 'set null' }),
    /** The earliest start of its alerts. */
    detectedAt: integer('detected_at').notNull(),
    acknowledgedAt: integer('acknowledged_at'),
    /** Who acknowledged it (an actor label). */
    acknowledgedBy: text('acknowledged_by'),
    /** When it was announced again, unacknowledged (at most once). */
    escalatedAt: integer('escalated_at'),
    dismissedReason: text('dismissed_reason'),
    closedAt: integer('closed_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('alert_drafts_status').on(t.status, t.createdAt)],
);

/** One alert episode: from firing to resolved, under one deduplication key. */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    draftId: text('draft_id')
      .notNull()
      .references(() => alertDrafts.id, { onDelete: 'cascade' }),
    source: text('source', { enum: ALERT_SOURCES }).notNull(),
    /** Alertmanager's fingerprint, Grafana's, Uptime Kuma's monitor id, the generic `key`. */
    dedupeKey: text('dedupe_key').notNull(),
    /**
     * "<source>:<dedupe key>" while firing, null once resolved: unique, so a
     * repeated notification (or two racing) finds the episode instead of
     * opening another.
     */
    firingKey: text('firing_key').unique(),
    status: text('status', { enum: ALERT_STATUSES }).notNull(),
    summary: text('summary').notNull(),
    description: text('description'),
    labels: text('labels', { mode: 'json' }).notNull().$type<Record<string, string>>(),
    /** Links the payload carried (the source graph, dashboard, runbook, silence), JSON [{label, url}]. */
    links: text('links', { mode: 'json' }).notNull().$type<{ label: string; url: string }[]>(),
    ruleId: text('rule_id').references(() => alertRules.id, { onDelete: 'set null' }),
    /** The severity its rule suggests, or the payload's own. */
    severity: integer('severity'),
    /**
     * The component statuses it moved (a rule's opt-in), JSON id -> {before, set}:
     * put back to `before` when it resolves, unless someone changed the status since.
     */
    autoStatuses: text('auto_statuses', { mode: 'json' }).$type<Record<string, { before: ComponentStatus; set: ComponentStatus }>>(),
    startsAt: integer('starts_at').notNull(),
    endsAt: integer('ends_at'),
    receivedAt: integer('received_at').notNull(),
    resolvedReceivedAt: integer('resolved_received_at'),
  },
  (t) => [index('alerts_draft').on(t.draftId, t.startsAt), index('alerts_source_key').on(t.source, t.dedupeKey)],
);

export type AlertRuleRow = typeof alertRules.$inferSelect;
export type AlertDraftRow = typeof alertDrafts.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;

/**
 * The Worker's purge outbox (issue 19): the public URLs a publish changed, to
 * purge from Cloudflare's cache in every colo (purge by URL). Written after the
 * publishing write, sent after its response (waitUntil) and retried from the
 * cron with backoff until Cloudflare accepts them. Only used on Workers with
 * CLOUDFLARE_ZONE_ID set; not public content (no revision trigger).
 */
export const edgePurges = sqliteTable(
  'edge_purges',
  {
    id: text('id').primaryKey(),
    /** JSON array of absolute URLs, at most 30 (one purge call). */
    urls: text('urls', { mode: 'json' }).notNull().$type<string[]>(),
    status: text('status', { enum: ['queued', 'done', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    dueAt: integer('due_at').notNull(),
    leaseUntil: integer('lease_until'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    doneAt: integer('done_at'),
  },
  (t) => [index('edge_purges_due').on(t.status, t.dueAt)],
);

export type EdgePurgeRow = typeof edgePurges.$inferSelect;

/* ---- After the fire: timeline, postmortems, action items (issue 17) ---- */

/**
 * What people add to an incident's timeline: a scribe's line (a note), or a
 * correction of a key time (a marker, with its reason). Everything else on
 * the timeline is read from where it already is (updates, the audit log,
 * alerts, deliveries).
 */
export const timelineEntries = sqliteTable(
  'timeline_entries',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    /** When it happened (defaults to when it was typed; may be earlier). */
    at: integer('at').notNull(),
    kind: text('kind', { enum: TIMELINE_ENTRY_KINDS }).notNull(),
    /** The key time a marker entry sets. */
    marker: text('marker', { enum: TIMELINE_MARKERS }),
    text: text('text').notNull(),
    /** Who did it, if not the author (free text: "Bob from the DB team"). */
    who: text('who'),
    /** Who typed it (an actor label). */
    author: text('author').notNull(),
    /** Why a key time was corrected. */
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('timeline_entries_incident_at').on(t.incidentId, t.at)],
);

/** An incident's postmortem: the internal document, its review state, and the customer-facing text. */
export const postmortems = sqliteTable(
  'postmortems',
  {
    incidentId: text('incident_id')
      .primaryKey()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    state: text('state', { enum: POSTMORTEM_STATES }).notNull(),
    /** Null: not required (SEV-4, or created by hand). */
    dueAt: integer('due_at'),
    ownerUserId: text('owner_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** The owner's name as shown (kept if the account goes). */
    ownerName: text('owner_name'),
    /** The internal document (Markdown). */
    body: text('body').notNull(),
    /** Every save adds one: a save based on an older revision is refused, never lost (the editor keeps the text). */
    revision: integer('revision').notNull().default(1),
    /** When it was published internally (completed, for the on-time rate). */
    publishedAt: integer('published_at'),
    /** The customer-facing text (Markdown), separate from the document. */
    publicBody: text('public_body'),
    /** When the customer-facing text went on the status page; null: not public. */
    publicPublishedAt: integer('public_published_at'),
    publicUpdatedAt: integer('public_updated_at'),
    /** The reminders sent: a day before the due date, and once overdue. */
    remindedDueSoonAt: integer('reminded_due_soon_at'),
    remindedOverdueAt: integer('reminded_overdue_at'),
    /** When the public postmortem was queued for the incident's subscribers (at most once; null: never). */
    emailedAt: integer('emailed_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('postmortems_state_due').on(t.state, t.dueAt)],
);

/** The follow-up work a postmortem decides on. */
export const actionItems = sqliteTable(
  'action_items',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    ownerUserId: text('owner_user_id').references(() => users.id, { onDelete: 'set null' }),
    ownerName: text('owner_name'),
    priority: text('priority', { enum: ACTION_ITEM_PRIORITIES }).notNull(),
    dueAt: integer('due_at'),
    status: text('status', { enum: ACTION_ITEM_STATUSES }).notNull(),
    /** Why it won't be done. */
    reason: text('reason'),
    /** The ticket in an external tracker (Jira, GitHub, Linear). */
    url: text('url'),
    doneAt: integer('done_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('action_items_incident').on(t.incidentId, t.createdAt), index('action_items_status_due').on(t.status, t.dueAt)],
);

export type TimelineEntryRow = typeof timelineEntries.$inferSelect;
export type PostmortemRow = typeof postmortems.$inferSelect;
export type ActionItemRow = typeof actionItems.$inferSelect;

