/** A small VNFD that passes every check, for tests that break one thing at a time. */
export const SAMPLE_VNFD = `vnfd:
  id: t-vnf
  product-name: t-vnf
  version: '1.0'
  mgmt-cp: mgmt-ext
  sw-image-desc:
  - id: img
    name: img
    image: img
  virtual-compute-desc:
  - id: small
    virtual-cpu:
      num-virtual-cpu: 1
    virtual-memory:
      size: 1.0
  virtual-storage-desc:
  - id: disk
    size-of-storage: 10
  int-virtual-link-desc:
  - id: internal
  vdu:
  - id: vm
    name: vm
    sw-image-desc: img
    virtual-compute-desc: small
    virtual-storage-desc:
    - disk
    int-cpd:
    - id: eth0
    - id: eth1
      int-virtual-link-desc: internal
  ext-cpd:
  - id: mgmt-ext
    int-cpd:
      vdu-id: vm
      cpd: eth0
  - id: data-ext
    int-virtual-link-desc: internal
  df:
  - id: default-df
    vdu-profile:
    - id: vm
      min-number-of-instances: 1
      max-number-of-instances: 2
    instantiation-level:
    - id: default
      vdu-level:
      - vdu-id: vm
        number-of-instances: 1
    lcm-operations-configuration:
      operate-vnf-op-config:
        day1-2:
        - id: t-vnf
          execution-environment-list:
          - id: ee
            juju:
              charm: simple
            external-connection-point-ref: mgmt-ext
          config-primitive:
          - name: touch
            execution-environment-ref: ee
`;
