-- The default class tree, its attributes and the relationship types shipped
-- with the server. Marked `system`: they can be extended but not deleted.

INSERT INTO ci_class (name, parent, description, abstract, system) VALUES
  ('ci',                    NULL,             'Root of all configuration item classes', true, true),
  ('hardware',              'ci',             'Physical or virtual equipment', true, true),
  ('computer',              'hardware',       'A general-purpose computer', false, true),
  ('server',                'computer',       'A server computer', false, true),
  ('virtual_machine',       'server',         'A virtual machine guest', false, true),
  ('hypervisor',            'server',         'A host running virtual machines', false, true),
  ('workstation',           'computer',       'A desktop or laptop computer', false, true),
  ('network_device',        'hardware',       'A device that forwards or filters network traffic', false, true),
  ('switch',                'network_device', 'A layer-2/3 switch', false, true),
  ('router',                'network_device', 'A router', false, true),
  ('firewall',              'network_device', 'A firewall or security gateway', false, true),
  ('wireless_access_point', 'network_device', 'A wireless access point or bridge', false, true),
  ('load_balancer',         'network_device', 'A load balancer or application delivery controller', false, true),
  ('storage_device',        'hardware',       'A storage array or NAS', false, true),
  ('printer',               'hardware',       'A printer or multi-function device', false, true),
  ('ups',                   'hardware',       'An uninterruptible power supply', false, true),
  ('interface',             'ci',             'A network interface of a device', false, true),
  ('ip_address',            'ci',             'An IP address assigned to an interface or device', false, true),
  ('software',              'ci',             'An installed software product', false, true),
  ('application',           'ci',             'An application or application instance', false, true),
  ('database',              'application',    'A database instance', false, true),
  ('business_service',      'ci',             'A service the business consumes', false, true),
  ('certificate',           'ci',             'An X.509 certificate', false, true),
  ('location',              'ci',             'A site, building, room or rack', false, true);

INSERT INTO ci_attribute (class_name, name, type, required, indexed, description, position) VALUES
  ('ci',              'description',      'string',      false, false, 'Free-text description', 1),
  ('ci',              'asset_tag',        'string',      false, true,  'Asset tag from inventory', 2),
  ('hardware',        'manufacturer',     'string',      false, false, 'Manufacturer', 1),
  ('hardware',        'model',            'string',      false, false, 'Model name or number', 2),
  ('hardware',        'serial_number',    'string',      false, true,  'Serial number', 3),
  ('hardware',        'firmware_version', 'string',      false, false, 'Firmware or OS version', 4),
  ('hardware',        'hostname',         'string',      false, true,  'Host name (short)', 5),
  ('hardware',        'fqdn',             'string',      false, true,  'Fully qualified domain name', 6),
  ('hardware',        'management_ip',    'ip_address',  false, true,  'Address used to manage the device', 7),
  ('hardware',        'mac_addresses',    'mac_address_list', false, false, 'MAC addresses of the device', 8),
  ('hardware',        'ip_addresses',     'ip_address_list',  false, false, 'IP addresses of the device', 9),
  ('computer',        'os_name',          'string',      false, false, 'Operating system', 1),
  ('computer',        'os_version',       'string',      false, false, 'Operating system version', 2),
  ('computer',        'cpu_count',        'integer',     false, false, 'Logical CPUs', 3),
  ('computer',        'memory_mb',        'integer',     false, false, 'Memory in MiB', 4),
  ('virtual_machine', 'vm_uuid',          'string',      false, true,  'Hypervisor-assigned VM UUID', 1),
  ('network_device',  'sys_object_id',    'string',      false, false, 'SNMP sysObjectID', 1),
  ('network_device',  'sys_descr',        'string',      false, false, 'SNMP sysDescr', 2),
  ('network_device',  'port_count',       'integer',     false, false, 'Number of interfaces', 3),
  ('interface',       'if_name',          'string',      false, true,  'Interface name (ifName)', 1),
  ('interface',       'if_index',         'integer',     false, false, 'SNMP ifIndex', 2),
  ('interface',       'if_descr',         'string',      false, false, 'Interface description (ifDescr)', 3),
  ('interface',       'mac_address',      'mac_address', false, true,  'Physical address', 4),
  ('interface',       'speed_mbps',       'integer',     false, false, 'Speed in Mbit/s', 5),
  ('interface',       'admin_status',     'string',      false, false, 'up, down or testing', 6),
  ('interface',       'oper_status',      'string',      false, false, 'up, down, ...', 7),
  ('ip_address',      'address',          'ip_address',  true,  true,  'The address', 1),
  ('ip_address',      'prefix_length',    'integer',     false, false, 'Prefix length of its subnet', 2),
  ('software',        'vendor',           'string',      false, false, 'Publisher', 1),
  ('software',        'version',          'string',      false, false, 'Version', 2),
  ('software',        'install_date',     'datetime',    false, false, 'When it was installed', 3),
  ('application',     'version',          'string',      false, false, 'Version', 1),
  ('application',     'url',              'string',      false, true,  'Main URL', 2),
  ('application',     'vendor',           'string',      false, false, 'Vendor', 3),
  ('database',        'engine',           'string',      false, false, 'Database engine', 1),
  ('database',        'port',             'integer',     false, false, 'Listening port', 2),
  ('business_service','service_level',    'string',      false, false, 'Agreed service level', 1),
  ('business_service','support_group',    'string',      false, false, 'Group that supports it', 2),
  ('certificate',     'subject',          'string',      false, false, 'Subject DN', 1),
  ('certificate',     'issuer',           'string',      false, false, 'Issuer DN', 2),
  ('certificate',     'serial',           'string',      false, false, 'Certificate serial number', 3),
  ('certificate',     'not_before',       'datetime',    false, false, 'Start of validity', 4),
  ('certificate',     'not_after',        'datetime',    false, true,  'End of validity', 5),
  ('certificate',     'fingerprint_sha256','string',     false, true,  'SHA-256 fingerprint', 6),
  ('certificate',     'subject_alt_names','string_list', false, false, 'Subject alternative names', 7),
  ('location',        'site_code',        'string',      false, true,  'Short site code', 1),
  ('location',        'street_address',   'string',      false, false, 'Street address', 2),
  ('location',        'city',             'string',      false, false, 'City', 3),
  ('location',        'country',          'string',      false, false, 'Country', 4);

INSERT INTO relationship_type (name, inverse_name, description, impact, system) VALUES
  ('depends_on',   'dependency_of', 'The source needs the target to work', 'target_to_source', true),
  ('runs_on',      'runs',          'Software or an application runs on a host', 'target_to_source', true),
  ('hosted_on',    'hosts',         'A guest or service is hosted on the target', 'target_to_source', true),
  ('connected_to', 'connected_to',  'A physical or logical link between peers', 'both', true),
  ('contains',     'contained_in',  'The source contains the target (device contains interface)', 'source_to_target', true),
  ('member_of',    'has_member',    'The source is a member of a group or cluster', 'none', true),
  ('uses',         'used_by',       'The source uses the target', 'target_to_source', true),
  ('located_in',   'location_of',   'The source is physically located in the target', 'none', true),
  ('assigned_to',  'has_assigned',  'An address is assigned to an interface or device', 'none', true),
  ('secures',      'secured_by',    'A certificate secures an application or endpoint', 'source_to_target', true);

-- Indexes of the attributes marked indexed: expression indexes on the JSONB
-- value for ranges and ordering, partial so CIs without the attribute cost
-- nothing. (Equality on any attribute uses the GIN index ci_attributes_idx.)
CREATE INDEX ci_attr_asset_tag_idx ON ci ((attributes -> 'asset_tag')) WHERE attributes ? 'asset_tag';
CREATE INDEX ci_attr_serial_number_idx ON ci ((attributes -> 'serial_number')) WHERE attributes ? 'serial_number';
CREATE INDEX ci_attr_hostname_idx ON ci ((attributes -> 'hostname')) WHERE attributes ? 'hostname';
CREATE INDEX ci_attr_fqdn_idx ON ci ((attributes -> 'fqdn')) WHERE attributes ? 'fqdn';
CREATE INDEX ci_attr_management_ip_idx ON ci ((attributes -> 'management_ip')) WHERE attributes ? 'management_ip';
CREATE INDEX ci_attr_vm_uuid_idx ON ci ((attributes -> 'vm_uuid')) WHERE attributes ? 'vm_uuid';
CREATE INDEX ci_attr_if_name_idx ON ci ((attributes -> 'if_name')) WHERE attributes ? 'if_name';
CREATE INDEX ci_attr_mac_address_idx ON ci ((attributes -> 'mac_address')) WHERE attributes ? 'mac_address';
CREATE INDEX ci_attr_address_idx ON ci ((attributes -> 'address')) WHERE attributes ? 'address';
CREATE INDEX ci_attr_url_idx ON ci ((attributes -> 'url')) WHERE attributes ? 'url';
CREATE INDEX ci_attr_not_after_idx ON ci ((attributes -> 'not_after')) WHERE attributes ? 'not_after';
CREATE INDEX ci_attr_fingerprint_sha256_idx ON ci ((attributes -> 'fingerprint_sha256')) WHERE attributes ? 'fingerprint_sha256';
CREATE INDEX ci_attr_site_code_idx ON ci ((attributes -> 'site_code')) WHERE attributes ? 'site_code';
