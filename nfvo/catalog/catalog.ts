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
import type { NsResolver, ResolvedNs } from '../lcm/index.js';

const log = createLogger('nfvo.catalog');

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

  /** DELETE /ns_descriptors/{id}: refused while an NS instance uses it. */
  async deleteNsd(id: string): Promise<void> {
    const n = await this.getNsd(id);
    const users = (await this.instances.list()).filter((i) => i.nsdInfoId === id);
    if (users.length > 0) throw new ConflictError(`there is at least one NS instance using this descriptor (${users.map((u) => u.id).join(', ')})`);
    await this.nsdTexts.delete(n.id);
    await this.nsds.delete(n.id);
  }

  /** NsResolver: an onboarded, enabled NSD by NsdInfo id or nsdId, with its topology and security profiles. */
  async resolve(ref: string): Promise<ResolvedNs> {
    const info = (await this.nsds.get(ref).catch(() => undefined)) ?? (await this.nsds.list()).find((n) => n.nsdId === ref);
    if (!info) throw new ValidationError(`NSD '${ref}' is not onboarded (give an NsdInfo id or an nsdId)`);
    if (info.nsdOnboardingState !== 'ONBOARDED') throw new ConflictError(`NSD ${ref} is ${info.nsdOnboardingState}, not ONBOARDED`);
    if (info.nsdOperationalState !== 'ENABLED') throw new ConflictError(`NSD ${ref} is DISABLED`);
    const nsd = parseNsd(await this.nsdText(info.id));
    return {
      nsdInfoId: info.id,
      nsdId: nsd.id,
      flavours: nsd.df.map((d) => d.id),
      topology: (flavourId) => topologyOf(nsd, flavourId),
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
      links: links.filter((l) => l.connections.some((c) => c.vnfProfileId === vp.id)).map((l) => l.id),
    })),
  };
}
