/**
 * Subscriptions and notifications of NS lifecycle management, ETSI GS
 * NFV-SOL 005 clauses 6.5.2.2 (LccnSubscriptionRequest), 6.5.2.4
 * (LccnSubscription), 6.5.3.8 (LifecycleChangeNotificationsFilter), 6.5.2.5
 * (NsLcmOperationOccurrenceNotification), 6.5.2.6/6.5.2.7 (NsIdentifier
 * Creation/Deletion). The callback's own credentials (SOL013 8.3.4
 * SubscriptionAuthentication: BASIC, or qnfv's BEARER) are stored with the
 * subscription and never returned.
 */
import type { LcmOperationType, Link, NsLcmOpOcc, OperationState, ProblemDetails } from '../model.js';

export const NOTIFICATION_TYPES = ['NsLcmOperationOccurrenceNotification', 'NsIdentifierCreationNotification', 'NsIdentifierDeletionNotification'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface LccnFilter {
  nsInstanceSubscriptionFilter?: { nsdIds?: string[]; nsInstanceIds?: string[]; nsInstanceNames?: string[] };
  notificationTypes?: NotificationType[];
  operationTypes?: LcmOperationType[];
  operationStates?: OperationState[];
}

export interface SubscriptionAuthentication {
  authType: ('BASIC' | 'BEARER')[];
  paramsBasic?: { userName: string; password: string };
  /** qnfv: a static bearer token for the callback. */
  paramsBearer?: { token: string };
}

export interface LccnSubscriptionRequest {
  filter?: LccnFilter;
  callbackUri: string;
  authentication?: SubscriptionAuthentication;
}

/** As stored. */
export interface SubscriptionRecord {
  id: string;
  filter?: LccnFilter;
  callbackUri: string;
  authentication?: SubscriptionAuthentication;
  createdBy: string;
}

/** As the API shows it (no credentials). */
export interface LccnSubscription {
  id: string;
  filter?: LccnFilter;
  callbackUri: string;
  _links: { self: Link };
}

/** What the LCM reports; the manager turns it into notifications. */
export type LcmNotice =
  | { kind: 'operation'; status: 'START' | 'RESULT'; op: NsLcmOpOcc; nsdId: string; nsInstanceName: string }
  | { kind: 'created' | 'deleted'; nsInstanceId: string; nsdId: string; nsInstanceName: string };

interface NotificationBase {
  id: string;
  subscriptionId: string;
  timeStamp: string;
  nsInstanceId: string;
}

export interface NsLcmOperationOccurrenceNotification extends NotificationBase {
  notificationType: 'NsLcmOperationOccurrenceNotification';
  nsLcmOpOccId: string;
  operation: LcmOperationType;
  notificationStatus: 'START' | 'RESULT';
  operationState: OperationState;
  isAutomaticInvocation: boolean;
  error?: ProblemDetails;
  _links: { nsInstance: Link; subscription: Link; nslcmOpOcc: Link };
}

export interface NsIdentifierNotification extends NotificationBase {
  notificationType: 'NsIdentifierCreationNotification' | 'NsIdentifierDeletionNotification';
  _links: { nsInstance: Link; subscription: Link };
}

export type Notification = NsLcmOperationOccurrenceNotification | NsIdentifierNotification;
