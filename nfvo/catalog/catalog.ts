/**
 * The NFVO catalog: VNF packages (SOL005 clause 9) and NS descriptors
 * (clause 5). A record is created empty (CREATED), then its content is
 * uploaded and checked — schema and semantic checks of the descriptor, and
 * for an NSD the cross-check against the VNFDs already onboarded — before it
 * becomes ONBOARDED. Descriptor text is stored as uploaded and parsed again
 * when needed. In-use descriptors cannot be deleted (409, as OSM does).
 * Accepts descriptor YAML, OSM package archives (.tar.gz) and SOL004 CSARs.
 */
import { randomUUID } from 'node:crypto';
import { parseVnfd, type Vnfd } from '../../vnfd/index.js';
import { parseNsd, securityProfiles, checkNsdAgainstVnfds, nsVirtualLinks, loadPackage, type Nsd } from '../../nsd/index.js';
import { ConflictError, NotFoundError, ValidationError, createLogger } from '../../common/index.js';
import type { Collection, Store } from '../store/index.js';
import type { NsdInfo, NsInstance, VnfPkgInfo } from '../model.js';
import type { NsResolver, ResolvedNs, VnfPrimitives } from '../lcm/index.js';

const log = createLogger('nfvo.catalog');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface StoredText {
  id: string;
  text: string;
  fileName: string;
}

export class Catalog implements NsResolver {
  readonly vnfPkgs: Collection<VnfPkgInfo>;
  readonly nsds: Collection<NsdInfo>;
  private readonly vnfdTexts: Collection<StoredText>;
  private readonly nsdTexts: Collection<StoredText>;
  private readonly instances: Collection<NsInstance>;
  /** Parsed NSDs by NsdInfo id (content is immutable once onboarded). */
  private readonly parsedNsds = new Map<string, Nsd>();
  private readonly parsedVnfds = new Map<string, Vnfd>();

  constructor(store: Store) {
    this.vnfPkgs = store.collection<VnfPkgInfo>('vnf_packages');
    this.nsds = store.collection<NsdInfo>('ns_descriptors');
    this.vnfdTexts = store.collection<StoredText>('vnfd_content');
    this.nsdTexts = store.collection<StoredText>('nsd_content');
    this.instances = store.collection<NsInstance>('ns_instances');
  }

  /** POST /vnf_packages: an empty package record. */
  async createVnfPackage(userDefinedData?: Record<string, unknown>): Promise<VnfPkgInfo> {
    const id = randomUUID();
    const base = `/vnfpkgm/v1/vnf_packages/${id}`;
    const info: VnfPkgInfo = {
      id,
      onboardingState: 'CREATED',
      operationalState: 'DISABLED',
      usageState: 'NOT_IN_USE',
      ...(userDefinedData ? { userDefinedData } : {}),
      _links: { self: { href: base }, vnfd: { href: `${base}/vnfd` }, packageContent: { href: `${base}/package_content` } },
    };
    await this.vnfPkgs.put(id, info);
    return info;
  }

  /**
   * PUT /vnf_packages/{id}/package_content: check and onboard a VNF package —
   * descriptor YAML, an OSM .tar.gz or a SOL004 CSAR (every problem listed).
   */
  async uploadVnfPackage(id: string, content: Uint8Array, fileName = 'vnfd.yaml'): Promise<VnfPkgInfo> {
    const { text, name } = await this.descriptorOf(content, 'vnf', fileName);
    return this.uploadVnfd(id, text, name);
  }

  /** PUT /ns_descriptors/{id}/nsd_content with YAML or a package archive. */
  async uploadNsPackage(id: string, content: Uint8Array, fileName = 'nsd.yaml'): Promise<NsdInfo> {
    const { text, name } = await this.descriptorOf(content, 'ns', fileName);
    return this.uploadNsd(id, text, name);
  }

  /** The descriptor text of an upload, after the package checks (ValidationError lists every problem). */
  private async descriptorOf(content: Uint8Array, kind: 'vnf' | 'ns', fileName: string): Promise<{ text: string; name: string }> {
    const pkg = await loadPackage(content, { kind, name: fileName });
    if (pkg.problems.length > 0 || pkg.descriptorText === undefined) throw new ValidationError(`${kind === 'vnf' ? 'VNF' : 'NS'} package ${fileName} is invalid`, pkg.problems);
    return { text: pkg.descriptorText, name: pkg.descriptorFile ?? fileName };
  }

  /** Check and onboard a VNFD given as text. */
  async uploadVnfd(id: string, text: string, fileName = 'vnfd.yaml'): Promise<VnfPkgInfo> {
    const info = await this.getVnfPackage(id);
    if (info.onboardingState === 'ONBOARDED') throw new ConflictError(`VNF package ${id} is already onboarded`);
    const vnfd = parseVnfd(text, fileName);
    const clash = (await this.vnfPkgs.list()).find((p) => p.id !== id && p.vnfdId === vnfd.id && p.onboardingState === 'ONBOARDED');
    if (clash) throw new ConflictError(`a VNF package with vnfd id '${vnfd.id}' is already onboarded (${clash.id})`);
    await this.vnfdTexts.put(id, { id, text, fileName });
    const done: VnfPkgInfo = {
      ...info,
      vnfdId: vnfd.id,
      vnfProvider: vnfd.provider,
      vnfProductName: vnfd.productName,
      vnfSoftwareVersion: vnfd.version,
      vnfdVersion: vnfd.version,
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
    };
    await this.vnfPkgs.put(id, done);
    log.info('VNF package onboarded', { id, vnfdId: vnfd.id });
    return done;
  }

  async getVnfPackage(id: string): Promise<VnfPkgInfo> {
    const p = await this.vnfPkgs.get(id);
    if (!p) throw new NotFoundError('VNF package', id);
    return p;
  }

  /** The VNFD text of an onboarded package. */
  async vnfdText(id: string): Promise<string> {
    const t = await this.vnfdTexts.get(id);
    if (!t) throw new NotFoundError('VNFD of VNF package', id);
    return t.text;
  }

  /** DELETE /vnf_packages/{id}: refused while an NSD refers to it. */
  async deleteVnfPackage(id: string): Promise<void> {
    const p = await this.getVnfPackage(id);
    const users = (await this.nsds.list()).filter((n) => n.vnfPkgIds.includes(id));
    if (users.length > 0) throw new ConflictError(`there is at least one NS package referencing this VNF package (${users.map((u) => u.nsdId ?? u.id).join(', ')})`);
    await this.vnfdTexts.delete(p.id);
    this.parsedVnfds.delete(p.id);
    await this.vnfPkgs.delete(p.id);
  }

  /** POST /ns_descriptors: an empty NSD record. */
  async createNsd(userDefinedData?: Record<string, unknown>): Promise<NsdInfo> {
    const id = randomUUID();
    const base = `/nsd/v1/ns_descriptors/${id}`;
    const info: NsdInfo = {
      id,
      vnfPkgIds: [],
      nsdOnboardingState: 'CREATED',
      nsdOperationalState: 'DISABLED',
      nsdUsageState: 'NOT_IN_USE',
      ...(userDefinedData ? { userDefinedData } : {}),
      _links: { self: { href: base }, nsd_content: { href: `${base}/nsd_content` } },
    };
    await this.nsds.put(id, info);
    return info;
  }

  /** Check (with the onboarded VNFDs) and onboard an NSD given as text. */
  async uploadNsd(id: string, text: string, fileName = 'nsd.yaml'): Promise<NsdInfo> {
    const info = await this.getNsd(id);
    if (info.nsdOnboardingState === 'ONBOARDED') throw new ConflictError(`NSD ${id} is already onboarded`);
    const nsd = parseNsd(text, fileName);
    const { vnfds, pkgIds } = await this.onboardedVnfds(nsd.vnfdId);
    const problems = checkNsdAgainstVnfds(nsd, vnfds);
    if (problems.length > 0) throw new ValidationError(`NSD ${fileName} does not match the onboarded VNF packages`, problems);
    const clash = (await this.nsds.list()).find((n) => n.id !== id && n.nsdId === nsd.id && n.nsdOnboardingState === 'ONBOARDED');
    if (clash) throw new ConflictError(`an NSD with id '${nsd.id}' is already onboarded (${clash.id})`);
    await this.nsdTexts.put(id, { id, text, fileName });
    const done: NsdInfo = {
      ...info,
      nsdId: nsd.id,
      nsdName: nsd.name,
      nsdVersion: nsd.version,
      nsdDesigner: nsd.designer,
      nsdInvariantId: nsd.id,
      vnfPkgIds: pkgIds,
      nsdOnboardingState: 'ONBOARDED',
      nsdOperationalState: 'ENABLED',
    };
    await this.nsds.put(id, done);
    log.info('NSD onboarded', { id, nsdId: nsd.id, vnfPkgIds: pkgIds });
    return done;
  }

  async getNsd(id: string): Promise<NsdInfo> {
    const n = await this.nsds.get(id);
    if (!n) throw new NotFoundError('NS descriptor', id);
    return n;
  }

  /** The NSD text of an onboarded NSD. */
  async nsdText(id: string): Promise<string> {
    const t = await this.nsdTexts.get(id);
    if (!t) throw new NotFoundError('content of NS descriptor', id);
    return t.text;
  }

  /** Every NSD record with its usage state (IN_USE while an NS instance refers to it). */
  async listNsds(): Promise<NsdInfo[]> {
    const used = new Set((await this.instances.list()).map((i) => i.nsdInfoId));
    return (await this.nsds.list()).map((n) => ({ ...n, nsdUsageState: used.has(n.id) ? 'IN_USE' : 'NOT_IN_USE' }));
  }

  /** One NSD record with its usage state. */
  async viewNsd(id: string): Promise<NsdInfo> {
    const n = await this.getNsd(id);
    const used = (await this.instances.list()).some((i) => i.nsdInfoId === id);
    return { ...n, nsdUsageState: used ? 'IN_USE' : 'NOT_IN_USE' };
  }

  /** Every VNF package with its usage state (IN_USE while an onboarded NSD refers to it). */
  async listVnfPackages(): Promise<VnfPkgInfo[]> {
    const used = new Set((await this.nsds.list()).flatMap((n) => n.vnfPkgIds));
    return (await this.vnfPkgs.list()).map((p) => ({ ...p, usageState: used.has(p.id) ? 'IN_USE' : 'NOT_IN_USE' }));
  }

  async viewVnfPackage(id: string): Promise<VnfPkgInfo> {
    const p = await this.getVnfPackage(id);
    const used = (await this.nsds.list()).some((n) => n.vnfPkgIds.includes(id));
    return { ...p, usageState: used ? 'IN_USE' : 'NOT_IN_USE' };
  }

  /** PATCH /ns_descriptors/{id} (SOL005 5.4.3.3.4): enable/disable and user data; returns the modifications. */
  async modifyNsd(id: string, mod: { nsdOperationalState?: 'ENABLED' | 'DISABLED'; userDefinedData?: Record<string, unknown> }): Promise<typeof mod> {
    const n = await this.getNsd(id);
    if (mod.nsdOperationalState && n.nsdOnboardingState !== 'ONBOARDED') throw new ConflictError(`NSD ${id} is ${n.nsdOnboardingState}; only an ONBOARDED NSD can be enabled or disabled`);
    if (mod.nsdOperationalState && mod.nsdOperationalState === n.nsdOperationalState) throw new ConflictError(`NSD ${id} is already ${n.nsdOperationalState}`);
    await this.nsds.put(id, { ...n, ...(mod.nsdOperationalState ? { nsdOperationalState: mod.nsdOperationalState } : {}), ...(mod.userDefinedData ? { userDefinedData: mergeUserData(n.userDefinedData, mod.userDefinedData) } : {}) });
    return mod;
  }

  /** PATCH /vnf_packages/{id} (SOL005 9.4.3.3.4). */
  async modifyVnfPackage(id: string, mod: { operationalState?: 'ENABLED' | 'DISABLED'; userDefinedData?: Record<string, unknown> }): Promise<typeof mod> {
    const p = await this.getVnfPackage(id);
    if (mod.operationalState && p.onboardingState !== 'ONBOARDED') throw new ConflictError(`VNF package ${id} is ${p.onboardingState}; only an ONBOARDED package can be enabled or disabled`);
    if (mod.operationalState && mod.operationalState === p.operationalState) throw new ConflictError(`VNF package ${id} is already ${p.operationalState}`);
    await this.vnfPkgs.put(id, { ...p, ...(mod.operationalState ? { operationalState: mod.operationalState } : {}), ...(mod.userDefinedData ? { userDefinedData: mergeUserData(p.userDefinedData, mod.userDefinedData) } : {}) });
    return mod;
  }

  /** DELETE /ns_descriptors/{id}: refused while an NS instance uses it. */
  async deleteNsd(id: string): Promise<void> {
    const n = await this.getNsd(id);
    const users = (await this.instances.list()).filter((i) => i.nsdInfoId === id);
    if (users.length > 0) throw new ConflictError(`there is at least one NS instance using this descriptor (${users.map((u) => u.id).join(', ')})`);
    this.parsedNsds.delete(n.id);
    await this.nsdTexts.delete(n.id);
    await this.nsds.delete(n.id);
  }

  /** NsResolver: an onboarded, enabled NSD by NsdInfo id or nsdId, with its topology and security profiles. */
  async resolve(ref: string): Promise<ResolvedNs> {
    const byId = UUID.test(ref) ? await this.nsds.get(ref).catch(() => undefined) : undefined;
    const info = byId ?? (await this.nsds.list()).find((n) => n.nsdId === ref);
    if (!info) throw new ValidationError(`NSD '${ref}' is not onboarded (give an NsdInfo id or an nsdId)`);
    if (info.nsdOnboardingState !== 'ONBOARDED') throw new ConflictError(`NSD ${ref} is ${info.nsdOnboardingState}, not ONBOARDED`);
    if (info.nsdOperationalState !== 'ENABLED') throw new ConflictError(`NSD ${ref} is DISABLED`);
    // An onboarded NSD's content never changes (a second upload is refused): parse it once.
    let nsd = this.parsedNsds.get(info.id);
    if (!nsd) {
      nsd = parseNsd(await this.nsdText(info.id));
      this.parsedNsds.set(info.id, nsd);
    }
    return {
      nsdInfoId: info.id,
      nsdId: nsd.id,
      flavours: nsd.df.map((d) => d.id),
      topology: (flavourId) => topologyOf(nsd, flavourId),
      vnfPrimitives: async (vnfdId) => primitivesOf(await this.onboardedVnfd(vnfdId)),
      security: securityProfiles(nsd).map((p) => ({
        id: p.id,
        virtualLinkDesc: p.virtualLinkDesc,
        keySources: [...p.keySources],
        combiner: p.combiner,
        singleSourcePolicy: p.singleSourcePolicy,
        qkdInterface: p.qkdInterface,
        encryption: p.esp.encryption,
        esn: p.esp.esn,
        replayWindow: p.esp.replayWindow,
        lifetimeSoft: { ...p.lifetime.soft },
        lifetimeHard: { ...p.lifetime.hard },
      })),
    };
  }

  /** An onboarded VNFD by its id, parsed once (an onboarded VNFD never changes). */
  private async onboardedVnfd(vnfdId: string): Promise<Vnfd> {
    const p = (await this.vnfPkgs.list()).find((x) => x.onboardingState === 'ONBOARDED' && x.vnfdId === vnfdId);
    if (!p) throw new ConflictError(`VNF package of VNFD '${vnfdId}' is no longer onboarded`);
    let vnfd = this.parsedVnfds.get(p.id);
    if (!vnfd) {
      vnfd = parseVnfd(await this.vnfdText(p.id));
      this.parsedVnfds.set(p.id, vnfd);
    }
    return vnfd;
  }

  private async onboardedVnfds(ids: string[]): Promise<{ vnfds: Map<string, Vnfd>; pkgIds: string[] }> {
    const vnfds = new Map<string, Vnfd>();
    const pkgIds: string[] = [];
    for (const p of await this.vnfPkgs.list()) {
      if (p.onboardingState !== 'ONBOARDED' || !p.vnfdId || !ids.includes(p.vnfdId)) continue;
      vnfds.set(p.vnfdId, parseVnfd(await this.vnfdText(p.id)));
      pkgIds.push(p.id);
    }
    return { vnfds, pkgIds };
  }
}

/** SOL005 user data modification: JSON Merge Patch (RFC 7396) of the existing data. */
function mergeUserData(current: Record<string, unknown> | undefined, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null && !Array.isArray(out[k])) out[k] = mergeUserData(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

/** The VNF-level day-1/2 configuration of a VNFD's first deployment flavour. */
function primitivesOf(vnfd: Vnfd): VnfPrimitives {
  const cfg = vnfd.df[0]?.day12.find((d) => d.id === vnfd.id);
  return { initial: cfg?.initialConfigPrimitive ?? [], config: cfg?.configPrimitive ?? [], environments: cfg?.executionEnvironmentList ?? [] };
}

/** The topology of one flavour: links resolved through the df's virtual-link profiles. */
function topologyOf(nsd: Nsd, flavourId: string): ReturnType<ResolvedNs['topology']> {
  const df = nsd.df.find((d) => d.id === flavourId);
  if (!df) throw new ValidationError(`flavour '${flavourId}' is not in NSD ${nsd.id}`);
  const links = nsVirtualLinks(nsd, flavourId);
  return {
    virtualLinks: links.map((l) => ({ id: l.id, mgmt: l.mgmtNetwork })),
    wanLinks: links.filter((l) => l.role === 'wan').map((l) => l.id),
    vnfProfiles: df.vnfProfile.map((vp) => ({
      id: vp.id,
      vnfdId: vp.vnfdId,
      minInstances: vp.minNumberOfInstances,
      links: links.filter((l) => l.connections.some((c) => c.vnfProfileId === vp.id)).map((l) => l.id),
    })),
  };
}
