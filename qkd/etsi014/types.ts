/**
 * ETSI GS QKD 014 v1.1.1 §6 data formats, with the spec's field names
 * exactly: Status (§6.1), Key request (§6.2), Key container (§6.3), Key IDs
 * (§6.4), Error (§6.5). Extensions (`*_extension*`) are accepted on input and
 * never produced.
 */

/** §6.1 Status. */
export interface Etsi014Status {
  source_KME_ID: string;
  target_KME_ID: string;
  master_SAE_ID: string;
  slave_SAE_ID: string;
  key_size: number;
  stored_key_count: number;
  max_key_count: number;
  max_key_per_request: number;
  max_key_size: number;
  min_key_size: number;
  max_SAE_ID_count: number;
  status_extension?: unknown;
}

/** §6.2 Key request (POST enc_keys body). */
export interface Etsi014KeyRequest {
  number?: number;
  size?: number;
  additional_slave_SAE_IDs?: string[];
  extension_mandatory?: unknown[];
  extension_optional?: unknown[];
}

/** §6.3 Key container as sent on the wire: `key` is base64. */
export interface Etsi014KeyContainer {
  keys: { key_ID: string; key_ID_extension?: unknown; key: string; key_extension?: unknown }[];
  key_container_extension?: unknown;
}

/** §6.4 Key IDs (POST dec_keys body). */
export interface Etsi014KeyIds {
  key_IDs: { key_ID: string; key_ID_extension?: unknown }[];
  key_IDs_extension?: unknown;
}

/** §6.5 Error. */
export interface Etsi014ErrorBody {
  message: string;
  details?: Record<string, unknown>[];
}

/** One key as the client returns it: the caller owns `key` and zeroes it. */
export interface Etsi014Key {
  key_ID: string;
  key: Uint8Array;
}
