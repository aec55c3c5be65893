// Device classification: the shipped rules (discovery/rules/classify.toml)
// over every lab recording and over sysObjectID/sysDescr pairs of devices
// that are not in the lab; rules-file errors; precedence and fallbacks; the
// IANA enterprise registry and organisation-name normalisation; reading the
// facts from a walk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "classify/classifier.h"
#include "classify/enterprises.h"
#include "support/snmprec.h"

#ifndef CMDB_SOURCE_DIR
#error "CMDB_SOURCE_DIR must be defined"
#endif

namespace cmdb::discovery {
namespace {

using ::testing::HasSubstr;

std::string RulesPath() { return std::string(CMDB_SOURCE_DIR) + "/discovery/rules/classify.toml"; }

Oid O(std::string_view text) {
  auto oid = Oid::Parse(text);
  EXPECT_TRUE(oid.has_value()) << text;
  return oid.value_or(Oid{});
}

// The shipped rules with the system's registry, loaded once.
const Classifier& Shipped() {
  static const Classifier* classifier = [] {
    auto loaded = Classifier::Load(RulesPath());
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return new Classifier(*Classifier::FromText("", ""));
    }
    return new Classifier(*std::move(loaded));
  }();
  return *classifier;
}

std::string Describe(const Classification& c) {
  std::string out = "class=" + c.class_name + " manufacturer=" + c.manufacturer + " os=" + c.os_name +
                    " version=" + c.os_version + " model=" + c.model + " by:";
  for (const auto& r : c.matched_rules) out += " " + r;
  return out;
}

struct Expected {
  std::string class_name, manufacturer, os_name, os_version, model;
};

void ExpectClassification(const Classification& got, const Expected& want) {
  SCOPED_TRACE(Describe(got));
  EXPECT_EQ(got.class_name, want.class_name);
  EXPECT_EQ(got.manufacturer, want.manufacturer);
  EXPECT_EQ(got.os_name, want.os_name);
  EXPECT_EQ(got.os_version, want.os_version);
  EXPECT_EQ(got.model, want.model);
}

// ------------------------------------------------------------ the lab

struct LabCase {
  std::string file;
  Expected want;
};

// What each recording is, read from the recording itself (sysObjectID,
// sysDescr, ENTITY-MIB chassis, vendor MIB scalars) and tests/lab/INDEX.md.
const std::vector<LabCase>& LabCases() {
  static const std::vector<LabCase> cases = {
      {"airos-af-ltu.snmprec", {"wireless_access_point", "Ubiquiti", "airOS", "1.1.1-BETA2", "airFiber 5XHD"}},
      {"apc_smt750x-nmc2.snmprec", {"ups", "APC", "AOS", "7.0.8", "Smart-UPS X 750"}},
      {"apc_smtl1000-nmc3.snmprec", {"ups", "APC", "AOS", "2.3.1.1", "Smart-UPS 1000"}},
      {"arista_eos.snmprec", {"switch", "Arista Networks", "EOS", "4.15.3F", "DCS-7050TX-128"}},
      {"arista_eos_vrf.snmprec", {"switch", "Arista Networks", "EOS", "4.20.12.1M", "DCS-7150S-24"}},
      {"arubaos-cx_10.07.snmprec", {"switch", "Aruba", "AOS-CX", "ML.10.07.0005", "JL727A"}},
      {"arubaos-cx_10.10.snmprec", {"switch", "Aruba", "AOS-CX", "PL.10.10.0002", "JL679A"}},
      {"asa.snmprec", {"firewall", "Cisco", "ASA", "9.12(2)", "ASA5555"}},
      {"brother.snmprec", {"printer", "Brother", "", "", "MFC-L2710DW"}},
      {"ciscosb_sg350x-24p.snmprec", {"switch", "Cisco", "", "2.5.9.13", "SG350X-24P-K9"}},
      // linux_icecast with an ENTITY-MIB chassis (made for the lab): the model from the
      // chassis; no rule takes the maker from entPhysicalMfgName.
      {"contoso_3500.snmprec", {"server", "", "Linux", "4.18.0-147.8.1.el8_1.x86_64", "3500"}},
      {"dsm.snmprec", {"storage_device", "Synology", "DSM", "6.1-15217", "RS2212RP+"}},
      {"dsm_ds214se-dsm7.snmprec", {"storage_device", "Synology", "DSM", "7.1-42962", "DS214se"}},
      {"edgeos.snmprec", {"router", "Ubiquiti", "EdgeOS", "1.8.0", ""}},
      {"edgeswitch_usw-flex-xg.snmprec", {"switch", "Ubiquiti", "UniFi", "6.2.14.13855", "USW-Flex-XG"}},
      {"fortigate_100e.snmprec", {"firewall", "Fortinet", "FortiOS", "5.4.4", "FortiGate-100E"}},
      {"fortigate_60fospfv3.snmprec", {"firewall", "Fortinet", "FortiOS", "7.2.10", "FortiGate-60F"}},
      {"ios_2960x.snmprec", {"switch", "Cisco", "IOS", "15.0(2a)EX5", "WS-C2960X-48FPS-L"}},
      {"ios_c3560.snmprec", {"switch", "Cisco", "IOS", "12.2(55)SE12", "WS-C3560-48TS-S"}},
      {"iosxe_c9300.snmprec", {"switch", "Cisco", "IOS-XE", "16.6.7", "C9300-48P"}},
      {"iosxe_c9500h-svl.snmprec", {"switch", "Cisco", "IOS-XE", "17.12.4", "C9500-48Y4C"}},
      {"iosxe_ie32008t2s-ios17-12.snmprec", {"switch", "Cisco", "IOS-XE", "17.12.04", "IE-3200-8T2S"}},
      {"iosxe_isr4321.snmprec", {"router", "Cisco", "IOS-XE", "17.6.4", "ISR4321/K9"}},
      {"iosxr_ncs55a2.snmprec", {"router", "Cisco", "IOS-XR", "7.4.1", "NCS-55A2-MOD-S"}},
      {"jetdirect_m130nw.snmprec", {"printer", "HP", "", "", "LaserJet MFP M130nw"}},
      {"jetdirect_m252dw.snmprec", {"printer", "HP", "", "", "Color LaserJet Pro M252dw"}},
      {"junos_mx5t-isis.snmprec", {"router", "Juniper Networks", "JunOS", "19.4R3.11", "MX5-T"}},
      {"junos_qfx5100.snmprec", {"switch", "Juniper Networks", "JunOS", "14.1X53-D40.8", "QFX5100-48S-6Q"}},
      {"junos_qfx5130-32cd-evo.snmprec",
       {"switch", "Juniper Networks", "JunOS Evolved", "22.2R3-S1.3-EVO", "QFX5130-32CD"}},
      // A customised sysDescr ("Juniper SRX240B gsm-fw"): no version in it; the model from
      // jnxBoxDescr ("Juniper SRX240H Internet Router").
      {"junos_rpm.snmprec", {"firewall", "Juniper Networks", "JunOS", "", "SRX240H"}},
      // net-snmp on Linux: no hardware maker can be told.
      {"linux_icecast.snmprec", {"server", "", "Linux", "4.18.0-147.8.1.el8_1.x86_64", ""}},
      {"linux_raspberrypi-gpiomonitor.snmprec", {"server", "Raspberry Pi", "Linux", "5.4.51-v7+", ""}},
      {"nxos_n3k-3064pq.snmprec", {"switch", "Cisco", "NX-OS", "7.0(3)I7(8)", "N3K-C3064PQ-10GX"}},
      {"nxos_n9k-c93180yc-fx3.snmprec", {"switch", "Cisco", "NX-OS", "10.5(2)", "N9K-C93180YC-FX3"}},
      {"panos.snmprec", {"firewall", "Palo Alto Networks", "PAN-OS", "9.0.7", "PA-VM"}},
      {"panos_5220.snmprec", {"firewall", "Palo Alto Networks", "PAN-OS", "10.2.9-h1", "PA-5220"}},
      {"procurve.snmprec", {"switch", "Aruba", "ArubaOS-Switch", "KB.16.11.0020", "JL074A"}},
      {"procurve_e2910.snmprec", {"switch", "HP", "ProCurve", "W.15.08.0012", "J9146A"}},
      {"routeros.snmprec", {"router", "MikroTik", "RouterOS", "6.40.5", "RB952Ui-5ac2nD"}},
      {"routeros_crs317.snmprec", {"switch", "MikroTik", "RouterOS", "6.44.2", "CRS317-1G-16S+"}},
      {"routeros_rb750gr3.snmprec", {"router", "MikroTik", "RouterOS", "7.20beta2", "RB750Gr3"}},
      {"unifi_nanohd.snmprec", {"wireless_access_point", "Ubiquiti", "UniFi", "5.43.36.12724", "UAP-nanoHD"}},
      // The host's hardware comes from ENTITY-MIB ("HP ProLiant DL380p Gen8").
      {"vmware-esxi.snmprec", {"hypervisor", "HP", "ESXi", "7.0.0", "ProLiant DL380p Gen8"}},
      {"windows_svr_2019_1809.snmprec", {"server", "", "Windows Server 2019", "10.0.17763", ""}},
  };
  return cases;
}

class LabTest : public ::testing::TestWithParam<LabCase> {};

TEST_P(LabTest, ClassifiesRecording) {
  const LabCase& c = GetParam();
  auto walk = testing::LoadSnmprec(testing::LabRecordingDir() + "/" + c.file);
  ASSERT_TRUE(walk.ok()) << walk.status();
  DeviceFacts facts = FactsFromWalk(*walk, Shipped().probes());
  ExpectClassification(Shipped().Classify(facts), c.want);
}

INSTANTIATE_TEST_SUITE_P(Recordings, LabTest, ::testing::ValuesIn(LabCases()),
                         [](const ::testing::TestParamInfo<LabCase>& info) {
                           std::string name = info.param.file.substr(0, info.param.file.rfind(".snmprec"));
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// Every recording in the lab has an expectation above (and no more).
TEST(LabTable, CoversEveryRecording) {
  std::vector<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(testing::LabRecordingDir())) {
    if (entry.path().extension() == ".snmprec") on_disk.push_back(entry.path().filename().string());
  }
  std::vector<std::string> in_table;
  for (const auto& c : LabCases()) in_table.push_back(c.file);
  std::sort(on_disk.begin(), on_disk.end());
  std::sort(in_table.begin(), in_table.end());
  EXPECT_EQ(on_disk, in_table);
  EXPECT_EQ(in_table.size(), 44u);
}

// ------------------------------------------------------------ beyond the lab

struct DeviceCase {
  std::string name;
  std::string sys_object_id;
  std::string sys_descr;
  Expected want;
  std::string entity_model;
  std::vector<std::string> present_subtrees;
  std::map<std::string, std::string> probe_values;
};

// sysObjectID/sysDescr pairs as real devices of these families report them
// (vendor documentation, public recordings, MIB registrations).
const std::vector<DeviceCase>& DeviceCases() {
  static const std::vector<DeviceCase> cases = {
      {"HuaweiS5700",
       "1.3.6.1.4.1.2011.2.23.96",
       "S5700-28C-HI\r\nHuawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.110 "
       "(S5700 V200R001C00)\r\nCopyright (C) 2000-2011 HUAWEI TECH CO., LTD",
       {"switch", "Huawei", "VRP", "5.110 (S5700 V200R001C00)", "S5700-28C-HI"}},
      {"HuaweiAR1220",
       "1.3.6.1.4.1.2011.2.224.1",
       "Huawei AR1220 Huawei Versatile Routing Platform Software  VRP (R) software,Version 5.120 "
       "(AR1220 V200R003C01SPC900) Copyright (C) 2011-2013 Huawei Technologies Co., Ltd",
       {"router", "Huawei", "VRP", "5.120 (AR1220 V200R003C01SPC900)", "AR1220"}},
      {"HpeComware5130",
       "1.3.6.1.4.1.25506.11.1.239",
       "HPE Comware Platform Software, Software Version 7.1.070, Release 3208P03\r\nHPE 5130 24G PoE+ "
       "4SFP+ EI Switch\r\nCopyright (c) 2010-2019 Hewlett Packard Enterprise Development LP",
       {"switch", "HPE", "Comware", "7.1.070, Release 3208P03", "5130 24G PoE+ 4SFP+ EI Switch"}},
      {"H3cS5130",
       "1.3.6.1.4.1.25506.1.2330",
       "H3C Comware Platform Software, Software Version 7.1.064, Release 0427P22\r\nH3C "
       "S5130S-28S-HI\r\nCopyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.",
       {"switch", "H3C", "Comware", "7.1.064, Release 0427P22", "S5130S-28S-HI"}},
      {"CheckPointGaia",
       "1.3.6.1.4.1.2620.1.6.123.1.49",
       "Linux hostname 2.6.18-92cpx86_64 #1 SMP Tue Sep 20 14:57:58 IDT 2016 x86_64",
       {"firewall", "Check Point", "Gaia", "R80.40", ""},
       "",
       {},
       {{"1.3.6.1.4.1.2620.1.6.4.1.0", "R80.40"}}},
      {"SonicWallTz210",
       "1.3.6.1.4.1.8741.1",
       "SonicWALL TZ 210 (SonicOS Enhanced 5.9.1.6-5o)",
       {"firewall", "SonicWall", "SonicOS", "5.9.1.6-5o", "TZ 210"}},
      {"F5BigIp",
       "1.3.6.1.4.1.3375.2.1.3.4.94",
       "Linux F5_device 2.6.32-431.56.1.el6.f5.x86_64 #1 SMP Thu Dec 13 14:25:45 PST 2018 x86_64",
       {"load_balancer", "F5", "TMOS", "", ""}},
      {"NetAppOntap",
       "1.3.6.1.4.1.789.2.5",
       "NetApp Release 9.7P6: Tue Jul 28 04:06:27 UTC 2020",
       {"storage_device", "NetApp", "ONTAP", "9.7P6", ""}},
      {"EatonUps", "1.3.6.1.4.1.534.1", "ConnectUPS Web/SNMP Card V4.31", {"ups", "Eaton", "", "", ""}},
      {"XeroxWorkCentre",
       "1.3.6.1.4.1.253.8.62.1.20.2.4.2.1",
       "Xerox WorkCentre 7845 v1 Multifunction System; System Software 073.040.075.34540, ESS "
       "073.044.35470.01.00",
       {"printer", "Xerox", "", "", "WorkCentre 7845"}},
      {"UbuntuServer",
       "1.3.6.1.4.1.8072.3.2.10",
       "Linux web01 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64",
       {"server", "", "Linux", "5.15.0-91-generic", ""}},
      {"DellPowerEdgeWindows2016",
       "1.3.6.1.4.1.311.1.1.3.1.2",
       "Hardware: Intel64 Family 6 Model 85 Stepping 4 AT/AT COMPATIBLE - Software: Windows Version 6.3 "
       "(Build 14393 Multiprocessor Free)",
       {"server", "Dell", "Windows Server 2016", "10.0.14393", "PowerEdge R740"},
       "",
       {"1.3.6.1.4.1.674.10892.1"},
       {{"1.3.6.1.4.1.674.10892.1.300.10.1.9.1", "PowerEdge R740"}}},
      {"Windows10Workstation",
       "1.3.6.1.4.1.311.1.1.3.1.1",
       "Hardware: Intel64 Family 6 Model 158 Stepping 10 AT/AT COMPATIBLE - Software: Windows Version "
       "6.3 (Build 19045 Multiprocessor Free)",
       {"workstation", "", "Windows 10", "10.0.19045", ""}},
      {"WindowsDomainController2022",
       "1.3.6.1.4.1.311.1.1.3.1.3",
       "Hardware: Intel64 Family 6 Model 106 Stepping 6 AT/AT COMPATIBLE - Software: Windows Version "
       "6.3 (Build 20348 Multiprocessor Free)",
       {"server", "", "Windows Server 2022", "10.0.20348", ""}},
      {"DellIdrac",
       "1.3.6.1.4.1.674.10892.5",
       "Dell Out-of-band SNMP Agent for Remote Access Controller",
       {"server", "Dell", "iDRAC", "4.40.00.00", "PowerEdge R640"},
       "",
       {},
       {{"1.3.6.1.4.1.674.10892.5.1.3.12.0", "PowerEdge R640"},
        {"1.3.6.1.4.1.674.10892.5.1.1.8.0", "4.40.00.00"}}},
      {"CiscoWlc5520",
       "1.3.6.1.4.1.9.1.2170",
       "Cisco Controller",
       {"network_device", "Cisco", "AireOS", "", ""}},
      {"CiscoIsr2911",
       "1.3.6.1.4.1.9.1.1046",
       "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M5, RELEASE SOFTWARE "
       "(fc1)\r\nTechnical Support: http://www.cisco.com/techsupport",
       {"router", "Cisco", "IOS", "15.7(3)M5", "CISCO2911/K9"},
       "CISCO2911/K9"},
      {"CiscoAsr1001x",
       "1.3.6.1.4.1.9.1.1861",
       "Cisco IOS Software, IOS-XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 15.5(3)S5, "
       "RELEASE SOFTWARE (fc2)",
       {"router", "Cisco", "IOS-XE", "15.5(3)S5", ""}},
      {"CiscoCatalyst3850",
       "1.3.6.1.4.1.9.1.1745",
       "Cisco IOS Software [Denali], Catalyst L3 Switch Software (CAT3K_CAA-UNIVERSALK9-M), Version "
       "16.3.7, RELEASE SOFTWARE (fc4)",
       {"switch", "Cisco", "IOS-XE", "16.3.7", ""}},
      {"CiscoAironet",
       "1.3.6.1.4.1.9.1.1034",
       "Cisco IOS Software, C1240 Software (C1240-K9W7-M), Version 12.4(25d)JA2, RELEASE SOFTWARE (fc1)",
       {"wireless_access_point", "Cisco", "IOS", "12.4(25d)JA2", ""}},
      {"CiscoFirepowerFtd",
       "1.3.6.1.4.1.9.1.2405",
       "Cisco Firepower Threat Defense, Version 6.6.1 (Build 91), ASA Version 9.14(1)150",
       {"firewall", "Cisco", "FTD", "6.6.1", ""}},
      {"MerakiMs220",
       "1.3.6.1.4.1.29671.2.108",
       "Meraki MS220-8P Cloud Managed Switch",
       {"switch", "Cisco Meraki", "Meraki", "", "MS220-8P"}},
      {"MerakiMr33",
       "1.3.6.1.4.1.29671.2.107",
       "Meraki MR33 Cloud Managed AP",
       {"wireless_access_point", "Cisco Meraki", "Meraki", "", "MR33"}},
      {"ExtremeExos",
       "1.3.6.1.4.1.1916.2.285",
       "ExtremeXOS (X440G2-48p-10G4) version 22.6.1.4 22.6.1.4 by release-manager on Wed Feb 26 "
       "13:38:39 EST 2020",
       {"switch", "Extreme Networks", "EXOS", "22.6.1.4", "X440G2-48p-10G4"}},
      {"Nokia7750",
       "1.3.6.1.4.1.6527.1.3.17",
       "TiMOS-C-16.0.R6 cpm/hops64 Nokia 7750 SR Copyright (c) 2000-2019 Nokia.\r\nAll rights reserved. "
       "All use subject to applicable license agreements.",
       {"router", "Nokia", "SR OS", "16.0.R6", "7750 SR"}},
      {"PfSense",
       "1.3.6.1.4.1.12325.1.1.2.1.1",
       "pfSense 2.3.2-RELEASE pfSense FreeBSD 10.3-RELEASE-p5 amd64",
       {"firewall", "Netgate", "pfSense", "2.3.2-RELEASE", ""}},
      {"JuniperEx4300",
       "1.3.6.1.4.1.2636.1.1.1.2.63",
       "Juniper Networks, Inc. ex4300-48p Ethernet Switch, kernel JUNOS 21.4R3.15, Build date: "
       "2023-02-08 12:00:00 UTC Copyright (c) 1996-2023 Juniper Networks, Inc.",
       {"switch", "Juniper Networks", "JunOS", "21.4R3.15", "ex4300-48p"}},
      {"JuniperSrx340",
       "1.3.6.1.4.1.2636.1.1.1.2.135",
       "Juniper Networks, Inc. srx340 internet router, kernel JUNOS 19.4R3-S1.3, Build date: 2021-01-20",
       {"firewall", "Juniper Networks", "JunOS", "19.4R3-S1.3", "srx340"}},
      {"ArubaInstantAp",
       "1.3.6.1.4.1.14823.1.2.125",
       "ArubaOS (MODEL: 515), Version 8.10.0.6-8.10.0.6",
       {"wireless_access_point", "Aruba", "ArubaOS", "8.10.0.6", "515"}},
      {"FortiSwitch",
       "1.3.6.1.4.1.12356.106.1.1",
       "FortiSwitch-124E-POE",
       {"switch", "Fortinet", "FortiSwitchOS", "", ""}},
      {"NetgearGs728tp",
       "1.3.6.1.4.1.4526.100.4.37",
       "GS728TP 24-Port Gigabit PoE+ Smart Switch with 4 SFP Ports",
       {"switch", "Netgear", "", "", "GS728TP"}},
      {"ZyxelGs1920", "1.3.6.1.4.1.890.1.15", "GS1920-24HP", {"switch", "Zyxel", "", "", "GS1920-24HP"}},
      {"A10Thunder",
       "1.3.6.1.4.1.22610.1.3.29",
       "Thunder Series Unified Application Service Gateway TH1030S, ACOS 4.1.4-GR1-P5,",
       {"load_balancer", "A10 Networks", "ACOS", "4.1.4-GR1-P5", "TH1030S"}},
      {"CitrixNetScaler",
       "1.3.6.1.4.1.5951.1",
       "NetScaler NS13.0: Build 79.64.nc, Date: Mar 29 2021, 08:59:07 (64-bit)",
       {"load_balancer", "Citrix", "NetScaler", "13.0-79.64", ""}},
      {"AlliedTelesisAwPlus",
       "1.3.6.1.4.1.207.1.14.126",
       "Allied Telesis router/switch, AW+ v5.4.7-2.5",
       {"switch", "Allied Telesis", "AlliedWare Plus", "5.4.7-2.5", ""}},
      {"DellOs10",
       "1.3.6.1.4.1.674.11000.5000.100.2.1.7",
       "Dell EMC Networking OS10 Enterprise.\r\nCopyright (c) 1999-2020 by Dell Inc. All Rights "
       "Reserved.\r\nSystem Description: OS10 Enterprise.\r\nOS Version: 10.5.1.0.\r\nSystem Type: "
       "S4148F-ON",
       {"switch", "Dell", "OS10", "10.5.1.0", "S4148F-ON"}},
      {"MellanoxOnyx",
       "1.3.6.1.4.1.33049.1.1.1.2700",
       "Mellanox SN2700,Onyx,SWv3.9.1306",
       {"switch", "NVIDIA", "Onyx", "3.9.1306", "SN2700"}},
      {"QnapNas",
       "1.3.6.1.4.1.8072.3.2.10",
       "Linux TS-453Be 4.14.24-qnap #1 SMP Thu Jan 26 01:12:56 CST 2023 x86_64",
       {"storage_device", "QNAP", "QTS", "", ""}},
      {"Hpe3Par",
       "1.3.6.1.4.1.12925.1",
       "HPE_3PAR 8200, ID: 12345, Serial number: 4UW0001234, InForm OS version: 3.3.1 (MU5)",
       {"storage_device", "HPE", "3PAR OS", "3.3.1 (MU5)", "8200"}},
      {"RuckusIcx7150",
       "1.3.6.1.4.1.1991.1.3.62.2.3.1.1",
       "Ruckus Wireless, Inc. ICX7150-48P, IronWare Version 08.0.90cT211 Compiled on Jul 26 2019",
       {"switch", "Ruckus", "FastIron", "08.0.90cT211", "ICX7150-48P"}},
      {"LexmarkMx711",
       "1.3.6.1.4.1.641.1.1",
       "Lexmark MX711 version MXTGM.073.024 kernel 4.11.12-yocto-standard All-N-1",
       {"printer", "Lexmark", "", "", "MX711"}},
      {"EdgeSwitch",
       "1.3.6.1.4.1.4413",
       "EdgeSwitch 24-Port Lite, 1.7.1.4993748, Linux 3.6.5-f4a26ed5, 0.0.0.0000000",
       {"switch", "Ubiquiti", "EdgeSwitch", "1.7.1.4993748", "EdgeSwitch 24-Port Lite"}},
      {"EsxiOnPowerEdge",
       "1.3.6.1.4.1.6876.4.1",
       "VMware ESXi 8.0.2 build-22380479 VMware, Inc. x86_64",
       {"hypervisor", "Dell", "ESXi", "8.0.2", "PowerEdge R750"},
       "PowerEdge R750"},
      {"ProxmoxVe",
       "1.3.6.1.4.1.8072.3.2.10",
       "Linux pve01 6.8.12-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z) x86_64",
       {"hypervisor", "", "Proxmox VE", "", ""}},
      {"CumulusLinux",
       "1.3.6.1.4.1.40310",
       "Linux leaf01 4.19.0-cl-1-amd64 #1 SMP Cumulus 4.19.149-1+cl4.3u1 (2021-01-28) x86_64",
       {"switch", "NVIDIA", "Cumulus Linux", "", ""}},
      {"IbmAix",
       "1.3.6.1.4.1.2.3.1.2.1.1.3",
       "IBM PowerPC CHRP Computer\nMachine Type: 0x0800004c Processor id: 00F9A8E34C00\nBase Operating "
       "System Runtime AIX version: 07.02.0004.0000\nTCP/IP Client Support  version: 07.02.0004.0000",
       {"server", "IBM", "AIX", "07.02.0004.0000", ""}},
      {"BrocadeFcSwitch",
       "1.3.6.1.4.1.1588.2.1.1.1",
       "Fibre Channel Switch.",
       {"switch", "Brocade", "Fabric OS", "", ""}},
      {"AxisCamera",
       "1.3.6.1.4.1.368.1.1",
       "; AXIS P3245-LVE; Network Camera; 10.12.114; Jan 25 2023 11:48; 202.1; 1;",
       {"network_device", "Axis", "AXIS OS", "10.12.114", "P3245-LVE"}},
      {"RicohMpC3004",
       "1.3.6.1.4.1.367.1.1",
       "RICOH MP C3004 1.11 / RICOH Network Printer C model / RICOH Network Scanner C model / RICOH "
       "Network Facsimile C model",
       {"printer", "Ricoh", "", "", "MP C3004"}},
      {"UnifiU6Pro",
       "1.3.6.1.4.1.8072.3.2.10",
       "U6-Pro 6.5.28.14491",
       {"wireless_access_point", "Ubiquiti", "UniFi", "6.5.28.14491", "U6-Pro"}},
      {"CyberPowerUps", "1.3.6.1.4.1.3808.1.1.1", "RMCARD205", {"ups", "CyberPower", "", "", ""}},
  };
  return cases;
}

class DeviceTest : public ::testing::TestWithParam<DeviceCase> {};

TEST_P(DeviceTest, Classifies) {
  const DeviceCase& c = GetParam();
  DeviceFacts facts;
  facts.sys_object_id = O(c.sys_object_id);
  facts.sys_descr = c.sys_descr;
  facts.entity_model = c.entity_model;
  for (const auto& s : c.present_subtrees) facts.present_subtrees.push_back(O(s));
  for (const auto& [oid, value] : c.probe_values) facts.probe_values[O(oid)] = value;
  ExpectClassification(Shipped().Classify(facts), c.want);
}

INSTANTIATE_TEST_SUITE_P(NotInLab, DeviceTest, ::testing::ValuesIn(DeviceCases()),
                         [](const ::testing::TestParamInfo<DeviceCase>& info) { return info.param.name; });

TEST(DeviceTable, HasEnoughDevicesOutsideTheLab) { EXPECT_GE(DeviceCases().size(), 25u); }

// ------------------------------------------------------------ the shipped file

TEST(ShippedRules, LoadWithEnoughRulesAndProbes) {
  EXPECT_GE(Shipped().rule_count(), 150u);
  const Probes& probes = Shipped().probes();
  EXPECT_THAT(probes.subtrees, ::testing::Contains(O("1.3.6.1.4.1.6574.1")));
  EXPECT_THAT(probes.values, ::testing::Contains(O("1.3.6.1.4.1.12356.101.4.1.1.0")));
  EXPECT_TRUE(std::is_sorted(probes.subtrees.begin(), probes.subtrees.end()));
  EXPECT_TRUE(std::is_sorted(probes.values.begin(), probes.values.end()));
}

TEST(ShippedRules, NothingKnownGivesNothing) {
  Classification c = Shipped().Classify(DeviceFacts{});
  ExpectClassification(c, {"", "", "", "", ""});
  EXPECT_TRUE(c.matched_rules.empty());
}

TEST(ShippedRules, RecordsWhatDecidedEachField) {
  DeviceFacts facts;
  facts.sys_object_id = O("1.3.6.1.4.1.9.1.2404");
  facts.sys_descr = "Cisco Adaptive Security Appliance Version 9.12(2)";
  Classification c = Shipped().Classify(facts);
  EXPECT_THAT(c.matched_rules, ::testing::ElementsAre("class=cisco-asa", "manufacturer=@manufacturers.9",
                                                      "os_name=cisco-asa", "os_version=cisco-asa"));
}

// Serials the rules read from vendor objects or sysDescr (the worker uses them
// when ENTITY-MIB has no chassis serial).
TEST(ShippedRules, SerialsFromVendorObjects) {
  const std::map<std::string, std::string> want = {
      {"junos_mx5t-isis.snmprec", "F8223"},                // jnxBoxSerialNo
      {"junos_rpm.snmprec", "AG3213AK0210"},               // jnxBoxSerialNo
      {"routeros_crs317.snmprec", "8ED5087EB201"},         // mtxrSerialNumber
      {"apc_smt750x-nmc2.snmprec", "AS1907242163"},        // upsAdvIdentSerialNumber, not the card's SN:
      {"brother.snmprec", "000A5J431816"},                 // brInfoSerialNumber
      {"dsm.snmprec", "3005AWL999111"},                    // Synology serialNumber
      {"jetdirect_m252dw.snmprec", "VNB3J99999"},          // SN: in sysDescr
      {"linux_icecast.snmprec", ""},
  };
  for (const auto& [file, serial] : want) {
    auto walk = testing::LoadSnmprec(testing::LabRecordingDir() + "/" + file);
    ASSERT_TRUE(walk.ok()) << walk.status();
    EXPECT_EQ(Shipped().Classify(FactsFromWalk(*walk, Shipped().probes())).serial, serial) << file;
  }
}

// ProVision switches: the OS name follows the release (two-letter platform
// prefix or 16.x and later: ArubaOS-Switch; older single-letter: ProCurve),
// the maker the brand the switch names first.
TEST(ShippedRules, ProVisionNamesByReleaseAndBrand) {
  DeviceFacts f;
  f.sys_object_id = O("1.3.6.1.4.1.11.2.3.7.11.1");
  f.sys_descr = "ProCurve J9087A Switch 2610-24, revision R.11.72, ROM R.10.06 (/sw/code/build/nemo(R_ndx))";
  Classification c = Shipped().Classify(f);
  EXPECT_EQ(c.manufacturer, "HP");
  EXPECT_EQ(c.os_name, "ProCurve");
  EXPECT_EQ(c.os_version, "R.11.72");
  EXPECT_EQ(c.model, "J9087A");

  f.sys_descr = "Aruba JL259A 2930F-24G-4SFP Switch, revision WC.16.10.0011, ROM WC.16.01.0008 (Formerly ProCurve)";
  c = Shipped().Classify(f);
  EXPECT_EQ(c.manufacturer, "Aruba");
  EXPECT_EQ(c.os_name, "ArubaOS-Switch");
  EXPECT_EQ(c.os_version, "WC.16.10.0011");
  EXPECT_EQ(c.model, "JL259A");

  f.sys_descr = "HP J9850A Switch 5406Rzl2, revision KB.15.16.0005, ROM KB.15.01.0001";
  c = Shipped().Classify(f);
  EXPECT_EQ(c.manufacturer, "HP");
  EXPECT_EQ(c.os_name, "ArubaOS-Switch");
  EXPECT_EQ(c.os_version, "KB.15.16.0005");

  // hpSwitchOsVersion, the running release, wins over a stack's generic sysDescr.
  f.sys_descr = "HP Stack, revision KA.00.00.0000";
  f.probe_values[O("1.3.6.1.4.1.11.2.14.11.5.1.1.3.0")] = "K.15.18.0013";
  c = Shipped().Classify(f);
  EXPECT_EQ(c.os_name, "ProCurve");
  EXPECT_EQ(c.os_version, "K.15.18.0013");
}

// IE3x00's fixed-width sysDescr gives the release as IOS-XE writes it.
TEST(ShippedRules, CiscoIe3x00ReleaseInTwoDigitFields) {
  const std::map<std::string, std::string> want = {
      {"Cisco IE3300-8T2S FOC2501X0AB 261 V 17 12  4", "17.12.04"},
      {"Cisco IE3300-8T2S FOC2501X0AB 261 V 17  9  5", "17.09.05"},
      {"Cisco IE3400-8P2S FOC2501X0AB 261 V 17  3 10", "17.03.10"},
      {"Cisco IE3200-8T2S FOC2501X0AB 261 V 17 15 11", "17.15.11"},
  };
  for (const auto& [descr, version] : want) {
    Classification c = Shipped().Classify([&] {
      DeviceFacts f;
      f.sys_object_id = O("1.3.6.1.4.1.9.1.2683");
      f.sys_descr = descr;
      return f;
    }());
    EXPECT_EQ(c.os_name, "IOS-XE") << descr;
    EXPECT_EQ(c.os_version, version) << descr;
  }
}

// ProLiant hardware: HP for the generations HP sold (up to Gen9), HPE after,
// or when the entity itself names HPE.
TEST(ShippedRules, ProLiantMakerByGeneration) {
  DeviceFacts f;
  f.sys_object_id = O("1.3.6.1.4.1.6876.4.1");
  f.sys_descr = "VMware ESXi 8.0.2 build-22380479 VMware, Inc. x86_64";
  f.entity_model = "ProLiant DL360 Gen10";
  f.entity_descr = "HPE ProLiant DL360 Gen10";
  EXPECT_EQ(Shipped().Classify(f).manufacturer, "HPE");
  f.entity_model = "ProLiant DL380 G7";
  f.entity_descr = "HP ProLiant DL380 G7";
  EXPECT_EQ(Shipped().Classify(f).manufacturer, "HP");
  f.entity_model = "ProLiant DL380 Gen9";
  f.entity_descr = "HPE ProLiant DL380 Gen9";
  EXPECT_EQ(Shipped().Classify(f).manufacturer, "HPE");
  EXPECT_EQ(Shipped().Classify(f).os_version, "8.0.2");
}

TEST(ShippedRules, SurvivesHugeAndBinarySysDescr) {
  DeviceFacts facts;
  facts.sys_object_id = O("1.3.6.1.4.1.9.1.1");
  facts.sys_descr = "Cisco IOS Software, " + std::string(200000, 'a') + std::string("\0\xff\x01", 3);
  Classification c = Shipped().Classify(facts);
  EXPECT_EQ(c.os_name, "IOS");
  EXPECT_EQ(c.manufacturer, "Cisco");
}

// ------------------------------------------------------------ rule-file errors

constexpr std::string_view kGoodRule = R"(
[[rule]]
id = "good"
enterprise = [9]
class = "router"
)";

absl::Status LoadError(std::string_view second_rule) {
  auto c = Classifier::FromText(std::string(kGoodRule) + std::string(second_rule), "");
  return c.ok() ? absl::OkStatus() : c.status();
}

void ExpectInvalid(std::string_view rule, std::string_view rule_name, std::string_view field) {
  absl::Status s = LoadError(rule);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  std::string message(s.message());
  EXPECT_THAT(message, HasSubstr(std::string(rule_name))) << rule;
  EXPECT_THAT(message, HasSubstr(std::string(field))) << rule;
}

TEST(RuleErrors, BadRegexNamesRuleAndField) {
  ExpectInvalid(R"([[rule]]
id = "broken"
sys_descr = 'Version ([0-9'
class = "router")",
                "rule[1] \"broken\"", "sys_descr");
}

TEST(RuleErrors, BadRegexInsideAValue) {
  ExpectInvalid(R"([[rule]]
id = "broken-version"
enterprise = [9]
os_version = { regex = '(unclosed' })",
                "rule[1] \"broken-version\"", "os_version.regex");
}

TEST(RuleErrors, UnknownClassName) {
  ExpectInvalid(R"([[rule]]
id = "toaster"
enterprise = [9]
class = "toaster")",
                "rule[1] \"toaster\"", "class");
  EXPECT_THAT(std::string(LoadError(R"([[rule]]
id = "toaster"
enterprise = [9]
class = "toaster")")
                              .message()),
              HasSubstr("unknown class name 'toaster'"));
}

TEST(RuleErrors, UnknownKey) {
  ExpectInvalid(R"([[rule]]
id = "typo"
enterprise = [9]
sysdescr = 'IOS'
class = "router")",
                "rule[1] \"typo\"", "sysdescr: unknown key");
}

TEST(RuleErrors, UnknownKeyInsideAValue) {
  ExpectInvalid(R"([[rule]]
id = "typo2"
enterprise = [9]
model = { form = "sys_descr" })",
                "rule[1] \"typo2\"", "model.form: unknown key");
}

TEST(RuleErrors, UnknownSource) {
  ExpectInvalid(R"([[rule]]
id = "src"
enterprise = [9]
model = { from = "sys_name" })",
                "rule[1] \"src\"", "model.from");
}

TEST(RuleErrors, FormatRefersToMissingGroup) {
  ExpectInvalid(R"([[rule]]
id = "fmt"
enterprise = [9]
os_version = { regex = 'v([0-9]+)', format = "$1.$2" })",
                "rule[1] \"fmt\"", "os_version.format");
}

TEST(RuleErrors, FormatWithoutRegexHasOnlyTheWholeValue) {
  ExpectInvalid(R"([[rule]]
id = "fmt2"
enterprise = [9]
model = { from = "entity_model", format = "$1" })",
                "rule[1] \"fmt2\"", "model.format");
  EXPECT_TRUE(LoadError(R"([[rule]]
id = "fmt3"
enterprise = [9]
model = { from = "entity_model", format = "Cisco $0" })")
                  .ok());
}

TEST(RuleErrors, MalformedOid) {
  ExpectInvalid(R"([[rule]]
id = "oid"
sys_object_id = ["1.3.6.1.4.1.x"]
class = "router")",
                "rule[1] \"oid\"", "sys_object_id");
}

TEST(RuleErrors, WrongTypes) {
  ExpectInvalid(R"([[rule]]
id = "types"
enterprise = ["nine"]
class = "router")",
                "rule[1] \"types\"", "enterprise");
  ExpectInvalid(R"([[rule]]
id = "types2"
enterprise = [9]
class = 3)",
                "rule[1] \"types2\"", "class");
}

TEST(RuleErrors, RuleWithoutConditionOrOutput) {
  ExpectInvalid(R"([[rule]]
id = "anything"
class = "router")",
                "rule[1] \"anything\"", "no condition");
  ExpectInvalid(R"([[rule]]
id = "nothing"
enterprise = [9])",
                "rule[1] \"nothing\"", "sets no field");
}

TEST(RuleErrors, DuplicateOrMissingId) {
  ExpectInvalid(R"([[rule]]
id = "good"
enterprise = [11]
class = "printer")",
                "rule[1] \"good\"", "duplicate id");
  ExpectInvalid(R"([[rule]]
enterprise = [11]
class = "printer")",
                "rule[1]", "id");
}

TEST(RuleErrors, TopLevelMistakes) {
  auto unknown = Classifier::FromText("[fallbacks]\nnetwork_enterprises = [9]\n", "");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("fallbacks"));
  auto bad_number = Classifier::FromText("[manufacturers]\ncisco = \"Cisco\"\n", "");
  EXPECT_EQ(bad_number.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_number.status().message()), HasSubstr("manufacturers.cisco"));
  auto syntax = Classifier::FromText("[[rule]]\nid = \"x\nclass = 1\n", "");
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("line 2"));
}

TEST(RuleErrors, MissingFiles) {
  EXPECT_EQ(Classifier::Load("/nonexistent/classify.toml").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Classifier::Load(RulesPath(), "/nonexistent/enterprises.tsv").status().code(),
            absl::StatusCode::kNotFound);
}

// ------------------------------------------------------------ precedence

Classifier Build(std::string_view toml, std::string_view tsv = "") {
  auto c = Classifier::FromText(toml, tsv);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : *Classifier::FromText("", "");
}

DeviceFacts Facts(std::string_view oid, std::string_view descr = "") {
  DeviceFacts f;
  f.sys_object_id = O(oid);
  f.sys_descr = std::string(descr);
  return f;
}

TEST(Precedence, LongerOidPrefixWinsOverFileOrder) {
  Classifier c = Build(R"(
[[rule]]
id = "vendor"
enterprise = [9]
class = "network_device"
[[rule]]
id = "family"
sys_object_id = ["1.3.6.1.4.1.9.1"]
class = "router"
[[rule]]
id = "product"
sys_object_id = ["1.3.6.1.4.1.9.1.2404"]
class = "firewall"
)");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.9.1.2404")).class_name, "firewall");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.9.1.1")).class_name, "router");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.9.5.1")).class_name, "network_device");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.11.1")).class_name, "");
}

TEST(Precedence, MoreConditionsWinAtEqualOidWeight) {
  Classifier c = Build(R"(
[[rule]]
id = "linux"
sys_object_id = ["1.3.6.1.4.1.8072.3.2.10"]
class = "server"
os_name = "Linux"
[[rule]]
id = "ap"
sys_object_id = ["1.3.6.1.4.1.8072.3.2.10"]
sys_descr = '^UAP-'
class = "wireless_access_point"
[[rule]]
id = "descr-only"
sys_descr = 'Linux'
class = "workstation"
)");
  Classification ap = c.Classify(Facts("1.3.6.1.4.1.8072.3.2.10", "UAP-AC-Pro 4.3.20"));
  EXPECT_EQ(ap.class_name, "wireless_access_point");
  EXPECT_EQ(ap.os_name, "Linux");  // per field: only "linux" names an OS
  // An OID rule beats a sysDescr-only rule even with fewer conditions.
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.8072.3.2.10", "Linux host 5.4")).class_name, "server");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.99999.1", "Linux host 5.4")).class_name, "workstation");
}

TEST(Precedence, FileOrderBreaksTies) {
  Classifier c = Build(R"(
[[rule]]
id = "first"
enterprise = [9]
sys_descr = 'IOS'
class = "switch"
[[rule]]
id = "second"
enterprise = [9]
sys_descr = 'Software'
class = "router"
)");
  Classification r = c.Classify(Facts("1.3.6.1.4.1.9.1.1", "Cisco IOS Software"));
  EXPECT_EQ(r.class_name, "switch");
  EXPECT_THAT(r.matched_rules, ::testing::Contains("class=first"));
}

TEST(Precedence, EnterpriseWeighsLikeItsPrefix) {
  Classifier c = Build(R"(
[[rule]]
id = "by-prefix"
sys_object_id = ["1.3.6.1.4.1.9"]
class = "router"
[[rule]]
id = "by-enterprise"
enterprise = [9]
sys_descr = 'x'
class = "switch"
)");
  // Same weight (7 arcs): the extra sys_descr condition decides.
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.9.1.1", "x")).class_name, "switch");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.9.1.1", "y")).class_name, "router");
}

TEST(Precedence, FailedExtractionFallsThroughToNextRule) {
  Classifier c = Build(R"(
[[rule]]
id = "specific"
sys_object_id = ["1.3.6.1.4.1.9.1.5"]
os_version = { regex = 'Version ([0-9.]+)' }
[[rule]]
id = "generic"
enterprise = [9]
os_version = { regex = 'v([0-9.]+)' }
)");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.9.1.5", "Version 1.2")).os_version, "1.2");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.9.1.5", "v3.4")).os_version, "3.4");
}

TEST(Precedence, VersionOnlyFromARuleNamingTheSameOs) {
  Classifier c = Build(R"(
[[rule]]
id = "airos"
sys_object_id = ["1.3.6.1.4.1.8072.3.2.10"]
sys_descr = 'airos'
os_name = "airOS"
[[rule]]
id = "linux"
sys_object_id = ["1.3.6.1.4.1.8072.3.2.10"]
os_name = "Linux"
os_version = { regex = '^Linux \S+ ([0-9][^ ]*)' }
[[rule]]
id = "any-version"
enterprise = [8072]
os_version = { regex = 'v([0-9.]+)' }
)");
  Classification r = c.Classify(Facts("1.3.6.1.4.1.8072.3.2.10", "Linux airos 3.14.65 v8.7.1"));
  EXPECT_EQ(r.os_name, "airOS");
  EXPECT_EQ(r.os_version, "8.7.1");  // not the kernel version of the "Linux" rule
}

TEST(Precedence, ModelOnlyFromARuleNamingTheSameMaker) {
  Classifier c = Build(R"(
[[rule]]
id = "hardware"
entity_model = 'PowerEdge'
manufacturer = "Dell"
model = "Dell box"
[[rule]]
id = "os"
enterprise = [6876]
manufacturer = "VMware"
)");
  DeviceFacts f = Facts("1.3.6.1.4.1.6876.4.1");
  f.entity_model = "PowerEdge R750";
  Classification r = c.Classify(f);
  EXPECT_EQ(r.manufacturer, "VMware");
  // "hardware" names another maker than the winner: its model is not taken.
  EXPECT_EQ(r.model, "PowerEdge R750");
  EXPECT_THAT(r.matched_rules, ::testing::Contains("model=@entity_model"));
  // Without the competing maker, the same rule gives both.
  Classification alone = c.Classify([] {
    DeviceFacts g;
    g.sys_object_id = *Oid::Parse("1.3.6.1.4.1.674.1");
    g.entity_model = "PowerEdge R750";
    return g;
  }());
  EXPECT_EQ(alone.manufacturer, "Dell");
  EXPECT_EQ(alone.model, "Dell box");
}

TEST(Precedence, ExtractionSourcesAndFormat) {
  Classifier c = Build(R"(
[[rule]]
id = "x"
enterprise = [14988]
os_version = { from = "entity_descr", regex = 'RouterOS ([0-9.]+) \((\w+)\)', format = "$1-$2" }
model = { from = "1.3.6.1.4.1.14988.1.1.7.9.0" }
os_name = { regex = '^(\w+)' }
)");
  DeviceFacts f = Facts("1.3.6.1.4.1.14988.1", "RouterOS RB750Gr3");
  f.entity_descr = "RouterOS 6.44.2 (stable) on RB750Gr3";
  f.probe_values[O("1.3.6.1.4.1.14988.1.1.7.9.0")] = "RB750Gr3";
  Classification r = c.Classify(f);
  EXPECT_EQ(r.os_version, "6.44.2-stable");
  EXPECT_EQ(r.model, "RB750Gr3");
  EXPECT_EQ(r.os_name, "RouterOS");
  EXPECT_THAT(c.probes().values, ::testing::ElementsAre(O("1.3.6.1.4.1.14988.1.1.7.9.0")));
}

TEST(Precedence, FormatOfAWholeValue) {
  Classifier c = Build(R"(
[[rule]]
id = "x"
enterprise = [12356]
model = { from = "entity_model", format = "FortiGate $0" }
)");
  DeviceFacts f = Facts("1.3.6.1.4.1.12356.101.1.1");
  f.entity_model = " 100E ";
  EXPECT_EQ(c.Classify(f).model, "FortiGate 100E");
  f.entity_model = "";  // nothing to format: the rule gives no model
  EXPECT_EQ(c.Classify(f).model, "");
}

TEST(Precedence, ConditionsOnMibIfTypeAndNegation) {
  Classifier c = Build(R"(
[[rule]]
id = "nas"
mib = ["1.3.6.1.4.1.6574.1"]
class = "storage_device"
[[rule]]
id = "radio"
if_type = [71]
sys_descr_not = 'controller'
class = "wireless_access_point"
)");
  DeviceFacts nas = Facts("1.3.6.1.4.1.8072.3.2.10");
  nas.present_subtrees = {O("1.3.6.1.4.1.6574.1")};
  EXPECT_EQ(c.Classify(nas).class_name, "storage_device");
  DeviceFacts radio = Facts("1.3.6.1.4.1.99999.1", "radio");
  radio.if_types = {6, 71};
  EXPECT_EQ(c.Classify(radio).class_name, "wireless_access_point");
  radio.sys_descr = "WLAN controller";
  EXPECT_EQ(c.Classify(radio).class_name, "");
  EXPECT_THAT(c.probes().subtrees, ::testing::ElementsAre(O("1.3.6.1.4.1.6574.1")));
}

// ------------------------------------------------------------ fallbacks

constexpr std::string_view kRegistry =
    "# test registry\n9\tciscoSystems\n2636\tJuniper Networks, "
    "Inc.\n8072\tnet-snmp\n12356\tFortinet, Inc.\n"
    "31337\tExample Widgets GmbH & Co. KG (https://widgets.example )\n";

TEST(Fallback, SysServicesDecideClassWhenNoRuleDoes) {
  Classifier c = Build("[fallback]\nnetwork_enterprises = [9]\n", kRegistry);
  DeviceFacts f = Facts("1.3.6.1.4.1.31337.1");
  f.sys_services = 2;  // datalink only: a bridge
  EXPECT_EQ(c.Classify(f).class_name, "switch");
  f.sys_services = 6;  // datalink + network: an L3 switch
  EXPECT_EQ(c.Classify(f).class_name, "switch");
  f.sys_services = 4;  // network only
  Classification router = c.Classify(f);
  EXPECT_EQ(router.class_name, "router");
  EXPECT_THAT(router.matched_rules, ::testing::Contains("class=@sys_services"));
  f.sys_services = 72;  // applications: a host or anything, no hint
  EXPECT_EQ(c.Classify(f).class_name, "");
  f.sys_services = 78;
  EXPECT_EQ(c.Classify(f).class_name, "");
}

TEST(Fallback, NetworkVendorGivesNetworkDeviceAfterSysServices) {
  Classifier c = Build("[fallback]\nnetwork_enterprises = [9]\n", kRegistry);
  DeviceFacts f = Facts("1.3.6.1.4.1.9.99.1");
  Classification r = c.Classify(f);
  EXPECT_EQ(r.class_name, "network_device");
  EXPECT_THAT(r.matched_rules, ::testing::Contains("class=@network_enterprises.9"));
  f.sys_services = 4;
  EXPECT_EQ(c.Classify(f).class_name, "router");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.12356.1")).class_name, "");  // not listed
}

TEST(Fallback, ManufacturerFromTableThenRegistry) {
  Classifier c = Build(R"(
[manufacturers]
9 = "Cisco"
8072 = ""
)",
                       kRegistry);
  Classification cisco = c.Classify(Facts("1.3.6.1.4.1.9.1.1"));
  EXPECT_EQ(cisco.manufacturer, "Cisco");
  EXPECT_THAT(cisco.matched_rules, ::testing::Contains("manufacturer=@manufacturers.9"));
  // An empty table entry: a software agent, not a maker; no registry name.
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.8072.3.2.10")).manufacturer, "");
  Classification juniper = c.Classify(Facts("1.3.6.1.4.1.2636.1.1.1.2.1"));
  EXPECT_EQ(juniper.manufacturer, "Juniper Networks");
  EXPECT_THAT(juniper.matched_rules, ::testing::Contains("manufacturer=@registry.2636"));
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.31337.4.2")).manufacturer, "Example Widgets");
  EXPECT_EQ(c.Classify(Facts("1.3.6.1.4.1.4242.1")).manufacturer, "");  // not registered
}

// A made-up product OID under real enterprises no rule mentions: the shipped
// rules name their maker from the system's IANA registry.
TEST(Fallback, ShippedRulesUseTheSystemRegistry) {
  // Siemens AG (4329): no rule and no table entry.
  Classification siemens = Shipped().Classify(Facts("1.3.6.1.4.1.4329.20.1.1"));
  EXPECT_EQ(siemens.manufacturer, "Siemens");
  EXPECT_THAT(siemens.matched_rules, ::testing::Contains("manufacturer=@registry.4329"));
  EXPECT_EQ(siemens.class_name, "");
  // NEMA (1206): the parenthesised abbreviation goes too.
  EXPECT_EQ(Shipped().Classify(Facts("1.3.6.1.4.1.1206.4.2.1")).manufacturer,
            "National Electrical Manufacturers Association");
  // Juniper's enterprise with an unknown product: table name, network_device.
  Classification juniper = Shipped().Classify(Facts("1.3.6.1.4.1.2636.99.1"));
  EXPECT_EQ(juniper.manufacturer, "Juniper Networks");
  EXPECT_EQ(juniper.class_name, "network_device");
}

// ------------------------------------------------------------ enterprises

TEST(Enterprises, EnterpriseOf) {
  EXPECT_EQ(EnterpriseOf(O("1.3.6.1.4.1.9.1.1208")), 9u);
  EXPECT_EQ(EnterpriseOf(O("1.3.6.1.4.1.8072")), 8072u);
  EXPECT_EQ(EnterpriseOf(O("1.3.6.1.4.1")), std::nullopt);
  EXPECT_EQ(EnterpriseOf(O("1.3.6.1.2.1.1.1.0")), std::nullopt);
  EXPECT_EQ(EnterpriseOf(Oid{}), std::nullopt);
}

TEST(Enterprises, ParsesRegistryText) {
  auto r = EnterpriseRegistry::Parse(
      "#\n# header\n\n0\tReserved\n9\tciscoSystems\n30065\tArista Networks, Inc.\t# formerly 'Arastra, "
      "Inc.'\n"
      "  42   Spaced   Name  \r\nnot-a-number\tjunk\n9\tDuplicate\n77\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 4u);
  EXPECT_EQ(r->Name(9), "ciscoSystems");
  EXPECT_EQ(r->Name(30065), "Arista Networks, Inc.");
  EXPECT_EQ(r->Name(42), "Spaced   Name");
  EXPECT_EQ(r->Name(0), "Reserved");
  EXPECT_EQ(r->Name(77), std::nullopt);
  EXPECT_EQ(r->Name(10), std::nullopt);
}

TEST(Enterprises, LoadsTheSystemRegistry) {
  auto r = EnterpriseRegistry::Load();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->size(), 50000u);
  EXPECT_EQ(r->Name(9), "ciscoSystems");
  EXPECT_EQ(r->Name(2636), "Juniper Networks, Inc.");
  EXPECT_EQ(EnterpriseRegistry::Load("/nonexistent/enterprises.tsv").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(Enterprises, NormalisesOrganisationNames) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Juniper Networks, Inc.", "Juniper Networks"},
      {"Fortinet, Inc.", "Fortinet"},
      {"HUAWEI Technology Co.,Ltd", "HUAWEI Technology"},
      {"Zhongxing Telecom Co.,ltd. (abbr. ZTE)", "Zhongxing Telecom"},
      {"American Power Conversion Corp.", "American Power Conversion"},
      {"IBM (https://w3.ibm.com/standards )", "IBM"},
      {"Barracuda Networks AG (previous was 'phion Information Technologies')", "Barracuda Networks"},
      {"Samsung Electronics Co., LTD.", "Samsung Electronics"},
      {"Mellanox Technologies LTD", "Mellanox Technologies"},
      {"Eaton Corporation", "Eaton"},
      {"Sophos Plc", "Sophos"},
      {"Axis Communications AB", "Axis Communications"},
      {"Example Widgets GmbH & Co. KG", "Example Widgets"},
      {"Acme Pty Ltd", "Acme"},
      {"Contoso, LLC", "Contoso"},
      {"Foo Bar S.p.A.", "Foo Bar"},
      {"Widget B.V. <hostmaster@widget.example>", "Widget"},
      {"ciscoSystems", "ciscoSystems"},
      {"Incorporated Research Institutions", "Incorporated Research Institutions"},
      {"Inc.", "Inc."},
      {"  net-snmp  ", "net-snmp"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(NormalizeOrganisation(in), out) << in;
}

// ------------------------------------------------------------ facts from a walk

Varbind Str(std::string_view oid, std::string value) {
  Varbind v{O(oid), {}};
  v.value.type = ValueType::kOctetString;
  v.value.bytes = std::move(value);
  return v;
}

Varbind Int(std::string_view oid, int64_t value) {
  Varbind v{O(oid), {}};
  v.value.type = ValueType::kInteger;
  v.value.integer = value;
  return v;
}

Varbind ObjId(std::string_view oid, std::string_view value) {
  Varbind v{O(oid), {}};
  v.value.type = ValueType::kObjectId;
  v.value.oid = O(value);
  return v;
}

TEST(FactsFromWalk, ReadsSystemEntityInterfacesAndProbes) {
  DeviceWalk walk({
      Str("1.3.6.1.2.1.1.1.0", std::string("\"Cisco IOS Software, Version 15.2\"\r\n\0garbage", 44)),
      ObjId("1.3.6.1.2.1.1.2.0", "1.3.6.1.4.1.9.1.1208"),
      Int("1.3.6.1.2.1.1.7.0", 6),
      Int("1.3.6.1.2.1.2.2.1.3.1", 6),
      Int("1.3.6.1.2.1.2.2.1.3.2", 24),
      Int("1.3.6.1.2.1.2.2.1.3.3", 6),
      // A stack (class 11) at index 1, chassis (3) at 1001 and 2001.
      Str("1.3.6.1.2.1.47.1.1.1.1.2.1", "Stack"),
      Str("1.3.6.1.2.1.47.1.1.1.1.2.1001", "Switch one"),
      Str("1.3.6.1.2.1.47.1.1.1.1.2.2001", "Switch two"),
      Int("1.3.6.1.2.1.47.1.1.1.1.5.1", 11),
      Int("1.3.6.1.2.1.47.1.1.1.1.5.1001", 3),
      Int("1.3.6.1.2.1.47.1.1.1.1.5.2001", 3),
      Str("1.3.6.1.2.1.47.1.1.1.1.13.1", ""),
      Str("1.3.6.1.2.1.47.1.1.1.1.13.1001", "WS-C2960X-48FPS-L "),
      Str("1.3.6.1.2.1.47.1.1.1.1.13.2001", "WS-C2960X-24PS-L"),
      Str("1.3.6.1.4.1.6574.1.5.1.0", "DS920+"),
      Int("1.3.6.1.4.1.6574.1.5.4.0", 2),
  });
  Probes probes;
  probes.subtrees = {O("1.3.6.1.4.1.6574.1"), O("1.3.6.1.4.1.41112.1.4")};
  probes.values = {O("1.3.6.1.4.1.6574.1.5.1.0"), O("1.3.6.1.4.1.6574.1.5.4.0"),
                   O("1.3.6.1.4.1.6574.1.5.3.0")};
  DeviceFacts f = FactsFromWalk(walk, probes);
  EXPECT_EQ(f.sys_descr, "Cisco IOS Software, Version 15.2");
  EXPECT_EQ(f.sys_object_id, O("1.3.6.1.4.1.9.1.1208"));
  EXPECT_EQ(f.sys_services, 6);
  EXPECT_EQ(f.if_types, (std::vector<int>{6, 24}));
  EXPECT_EQ(f.entity_model, "WS-C2960X-48FPS-L");
  EXPECT_EQ(f.entity_descr, "Switch one");
  EXPECT_EQ(f.present_subtrees, std::vector<Oid>{O("1.3.6.1.4.1.6574.1")});
  EXPECT_EQ(f.probe_values.size(), 2u);
  EXPECT_EQ(f.probe_values[O("1.3.6.1.4.1.6574.1.5.1.0")], "DS920+");
  EXPECT_EQ(f.probe_values[O("1.3.6.1.4.1.6574.1.5.4.0")], "2");
}

TEST(FactsFromWalk, EntityWithoutChassisClassUsesFirstModelName) {
  DeviceWalk walk({
      Str("1.3.6.1.2.1.47.1.1.1.1.2.1", "HP ProLiant DL380p Gen8"),
      Int("1.3.6.1.2.1.47.1.1.1.1.5.1", 4),
      Str("1.3.6.1.2.1.47.1.1.1.1.13.1", "ProLiant DL380p Gen8"),
  });
  DeviceFacts f = FactsFromWalk(walk);
  EXPECT_EQ(f.entity_model, "ProLiant DL380p Gen8");
  EXPECT_EQ(f.entity_descr, "HP ProLiant DL380p Gen8");
}

TEST(FactsFromWalk, EmptyWalkGivesDefaults) {
  DeviceFacts f = FactsFromWalk(DeviceWalk{});
  EXPECT_TRUE(f.sys_object_id.arcs.empty());
  EXPECT_EQ(f.sys_descr, "");
  EXPECT_EQ(f.sys_services, -1);
  EXPECT_TRUE(f.if_types.empty());
  EXPECT_TRUE(f.entity_model.empty());
}

}  // namespace
}  // namespace cmdb::discovery
