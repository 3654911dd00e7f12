/** The CLI's usage text and command groups (small, so `qnfv` can print it without loading anything else). */
export const CLI_USAGE = `NFVO commands (--url URL, --json on every one; QNFV_URL / QNFV_TOKEN override the saved login):
  qnfv login [--url URL] [--user U] [--password P]
  qnfv logout
  qnfv nsd create FILE | list | show ID | delete ID
  qnfv vnfpkg create FILE | list | show ID | delete ID
  qnfv ns create --nsd NSD --name NAME [--description D]
  qnfv ns instantiate ID --vim MEMBER=VIM ... [--vim-default VIM] [--flavour F]
                  [--vnf-params MEMBER=JSON ...] [--wait]
  qnfv ns list | show ID | terminate ID [--wait] | delete ID
  qnfv ns scale ID [--add SITE=VIM ...] [--remove SITE ...] [--vnf-params SITE=JSON ...] [--wait]
  qnfv ns action ID --primitive rekey|ping|show-ipsec [--params JSON] [--vnf MEMBER] [--wait]
  qnfv op list [--ns ID] | show ID | wait ID
  qnfv vim create --name N --type netns|docker|local --vca HOST:PORT --vca-user U
                  --vca-fingerprint SHA256:... --hm-uuid UUID [--qkd-kme URL] [--description D]
  qnfv vim list | delete ID`;

export const CLI_GROUPS = new Set(['login', 'logout', 'nsd', 'vnfpkg', 'ns', 'op', 'vim']);
