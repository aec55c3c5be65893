-- HTTP/TLS discovery: HTTP credentials, the protocols a schedule probes,
-- one job (and one log entry per address) per protocol, and the catalog
-- attributes of web endpoints, certificates and Redfish hardware facts.

------------------------------------------------------------------------------
-- Credentials: 4 HTTP basic, 5 HTTP bearer. The secret (sealed) holds the
-- password or token. allow_unverified_tls lets the credential go to a server
-- whose certificate does not verify.

ALTER TABLE credential DROP CONSTRAINT credential_kind_check;
ALTER TABLE credential ADD CONSTRAINT credential_kind_check CHECK (kind BETWEEN 1 AND 5);
ALTER TABLE credential ADD COLUMN allow_unverified_tls boolean NOT NULL DEFAULT false;

------------------------------------------------------------------------------
-- Protocols and ports. Existing schedules and runs are SNMP ones.

ALTER TABLE discovery_schedule
  ADD COLUMN protocols text[] NOT NULL DEFAULT '{snmp}' CHECK (protocols <@ '{snmp,http}' AND cardinality(protocols) > 0),
  ADD COLUMN http_ports integer[] NOT NULL DEFAULT '{}';
ALTER TABLE discovery_run
  ADD COLUMN protocols text[] NOT NULL DEFAULT '{snmp}',
  ADD COLUMN http_ports integer[] NOT NULL DEFAULT '{}';

-- A job probes its targets with one protocol. HTTP jobs of a run wait until
-- its SNMP jobs have ended (see the lease statement), so endpoints attach
-- to the devices SNMP found.
ALTER TABLE discovery_job ADD COLUMN protocol text NOT NULL DEFAULT 'snmp' CHECK (protocol IN ('snmp', 'http'));

-- One log entry per address and protocol; `endpoints` holds what answered
-- HTTP on each port (cmdb.v1.HttpEndpoint as JSON).
ALTER TABLE discovery_target_log ADD COLUMN protocol text NOT NULL DEFAULT 'snmp';
ALTER TABLE discovery_target_log ADD COLUMN endpoints jsonb NOT NULL DEFAULT '[]';
ALTER TABLE discovery_target_log DROP CONSTRAINT discovery_target_log_pkey;
ALTER TABLE discovery_target_log ADD PRIMARY KEY (run_id, address, protocol);

------------------------------------------------------------------------------
-- Catalog.

INSERT INTO ci_attribute (class_name, name, type, required, indexed, description, position) VALUES
  ('application', 'product',              'string',      false, false, 'Product the endpoint was recognised as', 4),
  ('application', 'address',              'ip_address',  false, true,  'Address the endpoint answers on', 5),
  ('application', 'http_status',          'integer',     false, false, 'Status of the last answer to /', 6),
  ('application', 'server_header',        'string',      false, false, 'Server header', 7),
  ('application', 'page_title',           'string',      false, false, 'Title of the page at /', 8),
  ('application', 'final_url',            'string',      false, false, 'Where / redirects to, when it does', 9),
  ('application', 'tls',                  'boolean',     false, false, 'Served over TLS', 10),
  ('application', 'tls_verified',         'boolean',     false, false, 'Its certificate verifies (chain and host name)', 11),
  ('certificate', 'key_type',             'string',      false, false, 'Public key algorithm', 8),
  ('certificate', 'key_bits',             'integer',     false, false, 'Public key size in bits', 9),
  ('certificate', 'signature_algorithm',  'string',      false, false, 'Signature algorithm', 10),
  ('certificate', 'self_signed',          'boolean',     false, false, 'Issued by itself', 11),
  ('certificate', 'chain_verified',       'boolean',     false, false, 'Chains to a trusted root (when last seen)', 12),
  ('certificate', 'verify_error',         'string',      false, false, 'Why it does not verify', 13),
  ('hardware',    'system_uuid',          'string',      false, true,  'System UUID (SMBIOS, as Redfish reports it)', 19),
  ('hardware',    'sku',                  'string',      false, false, 'Stock keeping unit', 20),
  ('hardware',    'bios_version',         'string',      false, false, 'BIOS or UEFI firmware version', 21),
  ('hardware',    'bmc_firmware_version', 'string',      false, false, 'Firmware of the management controller', 22),
  ('hardware',    'power_state',          'string',      false, false, 'Power state its controller reports', 23),
  ('computer',    'cpu_model',            'string',      false, false, 'Processor model', 5);

CREATE INDEX ci_attr_system_uuid_idx ON ci ((attributes -> 'system_uuid')) WHERE attributes ? 'system_uuid';

-- The system UUID is not an identification rule: cloned UUIDs are common
-- (one per image, or a vendor's sample value), and a server with a serial
-- number must not match another by it. A controller that reports no serial
-- number gives the system UUID as the source's own key instead
-- (discovery/findings/http_findings.h).

-- A management controller outranks SNMP on the hardware facts it reads from
-- the board; the name a device gives itself over SNMP outranks the one its
-- controller reports. (Without an order, two sources that disagree would
-- rewrite each other's value on every run.)
INSERT INTO reconciliation_rule (class_name, field, sources) VALUES
  ('hardware', 'name',                    '{manual,snmp,http}'),
  ('hardware', 'attributes.system_uuid',  '{manual,http,snmp}'),
  ('hardware', 'attributes.bios_version', '{manual,http,snmp}'),
  ('computer', 'attributes.memory_mb',    '{manual,http,snmp}'),
  ('computer', 'attributes.cpu_count',    '{manual,http,snmp}')
ON CONFLICT DO NOTHING;

UPDATE catalog_state SET generation = generation + 1;
