/**
 * qnfv's NSD extension `qnfv:security-profile` (docs/descriptors.md): semantic checks beyond its
 * schema, and the typed view with defaults applied. A profile protects one virtual link of the
 * NSD with IKE-less IPsec (RFC 9061) whose keys come from the listed sources through the
 * Hybridization Module (design/ARCHITECTURE.md §4). Rules: the link exists and has only one
 * profile; no source twice; `xor` combines exactly two sources (design/CONTRACTS.md); every soft
 * lifetime limit is below the hard limit of the same kind.
 */
import { checkUniqueKeys, checkUniqueValues, keySet, listAt, listIds, numAt, objAt, strAt, strListAt, type PathSegment, type ProblemList } from '../vnfd/index.js';
import {
  DEFAULT_COMBINER,
  DEFAULT_ESN,
  DEFAULT_ESP_ENCRYPTION,
  DEFAULT_QKD_INTERFACE,
  DEFAULT_REPLAY_WINDOW,
  DEFAULT_SINGLE_SOURCE_POLICY,
  SECURITY_PROFILE_KEY,
  UNPREFIXED_SECURITY_PROFILE_KEY,
} from './constants.js';
import type { Combiner, EspEncryption, KeySource, LifetimeLimits, Nsd, QkdInterface, SecurityProfile, SingleSourcePolicy } from './nsd-model.js';

const LIMITS = ['time', 'bytes', 'packets'] as const;

/** Check the security profiles of one NSD element (at path `at`). */
export function checkSecurityProfiles(element: unknown, at: readonly PathSegment[], out: ProblemList): void {
  if (listAt(element, UNPREFIXED_SECURITY_PROFILE_KEY).length > 0 || objAt(element, UNPREFIXED_SECURITY_PROFILE_KEY)) {
    out.add([...at, UNPREFIXED_SECURITY_PROFILE_KEY], `qnfv's security profiles go under '${SECURITY_PROFILE_KEY}' (module-qualified); '${UNPREFIXED_SECURITY_PROFILE_KEY}' would be ignored, so it is refused`);
  }
  const profiles = listAt(element, SECURITY_PROFILE_KEY);
  const listPath = [...at, SECURITY_PROFILE_KEY];
  checkUniqueKeys(profiles, listPath, out);
  const vlds = keySet(listAt(element, 'virtual-link-desc'));
  const protectedBy = new Map<string, string>();
  profiles.forEach((p, i) => {
    const pAt = [...listPath, i];
    const id = strAt(p, 'id') ?? '?';
    const vl = strAt(p, 'virtual-link-desc');
    if (vl !== undefined) {
      if (!vlds.has(vl)) out.add([...pAt, 'virtual-link-desc'], `security-profile[id='${id}']:virtual-link-desc='${vl}' does not match any virtual-link-desc id (ids: ${listIds(vlds)})`);
      else if (protectedBy.has(vl)) out.add([...pAt, 'virtual-link-desc'], `virtual-link-desc '${vl}' is already protected by security-profile '${protectedBy.get(vl)}'; one profile per link`);
      else protectedBy.set(vl, id);
    }
    const sources = strListAt(p, 'key-sources');
    checkUniqueValues(listAt(p, 'key-sources'), [...pAt, 'key-sources'], out, 'key source');
    if (strAt(p, 'combiner') === 'xor' && new Set(sources).size !== 2) {
      out.add([...pAt, 'combiner'], `combiner xor needs exactly two different key sources (found ${new Set(sources).size}); use kdf or hmac for one or more than two`);
    }
    const soft = objAt(objAt(p, 'lifetime'), 'soft');
    const hard = objAt(objAt(p, 'lifetime'), 'hard');
    for (const kind of LIMITS) {
      const s = numAt(soft, kind);
      const h = numAt(hard, kind);
      if (s !== undefined && h !== undefined && s >= h) {
        out.add([...pAt, 'lifetime', 'soft', kind], `soft ${kind} limit (${s}) must be less than the hard ${kind} limit (${h}): the soft limit starts the rekey before the SA dies`);
      }
    }
  });
}

/** The security profiles of a validated NSD, defaults applied (empty when it has none). */
export function securityProfiles(nsd: Nsd): SecurityProfile[] {
  return listAt(nsd.element, SECURITY_PROFILE_KEY).map((p) => {
    const esp = objAt(p, 'esp');
    const lifetime = objAt(p, 'lifetime');
    const profile: SecurityProfile = {
      id: strAt(p, 'id') ?? '',
      virtualLinkDesc: strAt(p, 'virtual-link-desc') ?? '',
      keySources: strListAt(p, 'key-sources') as KeySource[], // enum-checked by the schema
      combiner: (strAt(p, 'combiner') ?? DEFAULT_COMBINER) as Combiner,
      singleSourcePolicy: (strAt(p, 'single-source-policy') ?? DEFAULT_SINGLE_SOURCE_POLICY) as SingleSourcePolicy,
      qkdInterface: (strAt(p, 'qkd-interface') ?? DEFAULT_QKD_INTERFACE) as QkdInterface,
      esp: {
        encryption: (strAt(esp, 'encryption') ?? DEFAULT_ESP_ENCRYPTION) as EspEncryption,
        esn: typeof esp?.esn === 'boolean' ? esp.esn : DEFAULT_ESN,
        replayWindow: numAt(esp, 'replay-window') ?? DEFAULT_REPLAY_WINDOW,
      },
      lifetime: { soft: limitsOf(objAt(lifetime, 'soft')), hard: limitsOf(objAt(lifetime, 'hard')) },
    };
    const description = strAt(p, 'description');
    if (description !== undefined) profile.description = description;
    return profile;
  });
}

function limitsOf(value: unknown): LifetimeLimits {
  const out: LifetimeLimits = {};
  for (const kind of LIMITS) {
    const n = numAt(value, kind);
    if (n !== undefined) out[kind] = n;
  }
  return out;
}
