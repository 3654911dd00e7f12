/** NS lifecycle subscriptions and notifications (SOL005 6.4.16–6.4.18). */
export { SubscriptionManager, matches, type SubscriptionManagerOptions } from './subscription-manager.js';
export * from './model.js';
