/**
 * RFC 9061 `ietf-i2nsf-ikeless` (IKE-less IPsec SAD/SPD): the TypeScript
 * model and its one codec, RFC 7951 JSON (controller ⇄ Proxy Agent) and
 * NETCONF XML (Proxy Agent ⇄ router: configuration, edits, state,
 * notifications). Other modules import only this file.
 */
export * from './types.js';
export {
  IKELESS_JSON_MEMBER,
  ipsecConfigFromJson,
  ipsecConfigToJson,
  notificationFromJson,
  notificationToJson,
  sadEntryFromJson,
  sadEntryToJson,
  spdEntryFromJson,
  spdEntryToJson,
  type JsonObject,
  type KeyOptions,
} from './json-codec.js';
export {
  findIkelessRoot,
  ikelessEditFromXml,
  ikelessEditToXml,
  ipsecConfigFromXml,
  ipsecConfigToXml,
  ipsecDataToXml,
  ipsecStateFromXml,
  NETCONF_BASE_NS,
  NETCONF_NOTIFICATION_NS,
  notificationFromXml,
  notificationToXml,
  type EditDecodeOptions,
} from './xml-codec.js';
