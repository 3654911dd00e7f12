/**
 * What the LCM needs from the catalog about one NS descriptor, already
 * validated: its topology (virtual links, VNF profiles and their links) and
 * its security profiles with defaults applied. Keeps the LCM independent of
 * how descriptors are parsed.
 */
import type { NsTopology } from './ip-plan.js';
import type { VnfPrimitives } from './vnf-primitives.js';

/** A security profile as the LCM uses it (NSD extension, docs/descriptors.md). */
export interface LinkSecurity {
  id: string;
  virtualLinkDesc: string;
  keySources: string[];
  combiner: string;
  singleSourcePolicy: string;
  qkdInterface: string;
  encryption: string;
  esn: boolean;
  replayWindow: number;
  lifetimeSoft: { time?: number; bytes?: number; packets?: number };
  lifetimeHard: { time?: number; bytes?: number; packets?: number };
}

export interface ResolvedNs {
  nsdInfoId: string;
  nsdId: string;
  flavours: string[];
  /** The topology of one deployment flavour (NSD `df`). */
  topology(flavourId: string): NsTopology;
  security: LinkSecurity[];
  /** The VNF-level day-1/2 primitives a VNFD of this NS declares. */
  vnfPrimitives(vnfdId: string): Promise<VnfPrimitives>;
}

/** Looks up an onboarded, enabled NSD by NsdInfo id (or nsdId) and resolves it. */
export interface NsResolver {
  resolve(nsdInfoIdOrNsdId: string): Promise<ResolvedNs>;
}
