/** A small NSD (for the VNFD in tests/vnfd/sample-vnfd.ts) that passes every check. */
export const SAMPLE_NSD = `nsd:
  nsd:
  - id: t-ns
    name: t-ns
    version: 1.0
    vnfd-id:
    - t-vnf
    virtual-link-desc:
    - id: mgmtnet
      mgmt-network: true
    - id: lan-a
    - id: wan
    sapd:
    - id: sap-a
      virtual-link-desc: lan-a
    df:
    - id: default-df
      virtual-link-profile:
      - id: wan-profile
        virtual-link-desc-id: wan
      vnf-profile:
      - id: a
        vnfd-id: t-vnf
        virtual-link-connectivity:
        - virtual-link-profile-id: mgmtnet
          constituent-cpd-id:
          - constituent-base-element-id: a
            constituent-cpd-id: mgmt-ext
        - virtual-link-profile-id: lan-a
          constituent-cpd-id:
          - constituent-base-element-id: a
            constituent-cpd-id: data-ext
            ip-address: 10.0.0.1
      - id: b
        vnfd-id: t-vnf
        virtual-link-connectivity:
        - virtual-link-profile-id: wan-profile
          constituent-cpd-id:
          - constituent-base-element-id: b
            constituent-cpd-id: data-ext
    qnfv:security-profile:
    - id: wan-sec
      virtual-link-desc: wan
      key-sources: [QKD, ML-KEM-768]
      lifetime:
        soft: {time: 50, bytes: 1000}
        hard: {time: 60, bytes: 2000}
`;
