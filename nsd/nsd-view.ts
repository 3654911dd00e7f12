/**
 * Builds the typed `Nsd` view (nsd-model.ts) from an NSD document that passed validation: ETSI GS
 * NFV-SOL 006 node names camel-cased, defaults applied, `version` kept as written.
 */
import { boolAt, defined, listAt, numAt, objAt, strAt, strListAt, versionText, type DescriptorOrigin, type Obj } from '../vnfd/index.js';
import type { Nsd, VnfProfile } from './nsd-model.js';

/** The typed view of a validated NSD document (its one element). */
export function toNsd(raw: Obj, rootKey: string, origin: DescriptorOrigin): Nsd {
  const element = (listAt(objAt(raw, rootKey), 'nsd')[0] ?? {}) as Obj; // validated: exactly one mapping
  return defined<Nsd>({
    id: strAt(element, 'id') ?? '',
    name: strAt(element, 'name') ?? '',
    version: versionText(element.version, [rootKey, 'nsd', 0, 'version'], origin.positions),
    designer: strAt(element, 'designer'),
    description: strAt(element, 'description'),
    vnfdId: strListAt(element, 'vnfd-id'),
    virtualLinkDesc: listAt(element, 'virtual-link-desc').map((v) =>
      defined({
        id: strAt(v, 'id') ?? '',
        mgmtNetwork: boolAt(v, 'mgmt-network') ?? false,
        vimNetworkName: strAt(v, 'vim-network-name'),
        df: listAt(v, 'df').length > 0 ? listAt(v, 'df').map((d) => ({ id: strAt(d, 'id') ?? '' })) : undefined,
      }),
    ),
    df: listAt(element, 'df').map((df) => ({
      id: strAt(df, 'id') ?? '',
      vnfProfile: listAt(df, 'vnf-profile').map(toVnfProfile),
      virtualLinkProfile: listAt(df, 'virtual-link-profile').map((p) =>
        defined({ id: strAt(p, 'id') ?? '', virtualLinkDescId: strAt(p, 'virtual-link-desc-id') ?? '', flavourId: strAt(p, 'flavour-id') }),
      ),
    })),
    sapd: listAt(element, 'sapd').map((s) => {
      const vnf = objAt(s, 'vnf');
      return defined({ id: strAt(s, 'id') ?? '', virtualLinkDesc: strAt(s, 'virtual-link-desc'), vnf: vnf ? { vnfdId: strAt(vnf, 'vnfd-id') ?? '', extCpdId: strAt(vnf, 'ext-cpd-id') ?? '' } : undefined });
    }),
    raw,
    rootKey,
    element,
    text: origin.text,
    file: origin.file,
    positions: origin.positions,
  });
}

function toVnfProfile(vp: unknown): VnfProfile {
  return defined<VnfProfile>({
    id: strAt(vp, 'id') ?? '',
    vnfdId: strAt(vp, 'vnfd-id') ?? '',
    flavourId: strAt(vp, 'flavour-id'),
    minNumberOfInstances: numAt(vp, 'min-number-of-instances') ?? 1,
    maxNumberOfInstances: numAt(vp, 'max-number-of-instances') ?? 1,
    virtualLinkConnectivity: listAt(vp, 'virtual-link-connectivity').map((vlc) => ({
      virtualLinkProfileId: strAt(vlc, 'virtual-link-profile-id') ?? '',
      constituentCpdId: listAt(vlc, 'constituent-cpd-id').map((cc) =>
        defined({
          constituentBaseElementId: strAt(cc, 'constituent-base-element-id') ?? '',
          constituentCpdId: strAt(cc, 'constituent-cpd-id') ?? '',
          ipAddress: strAt(cc, 'ip-address'),
        }),
      ),
    })),
  });
}
