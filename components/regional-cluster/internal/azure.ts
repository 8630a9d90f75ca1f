/**
 * The Azure regional tier: resource group, VNet with an AKS subnet and a subnet delegated to
 * PostgreSQL, AKS over three zones, PostgreSQL Flexible Server 16 with zone-redundant HA, private
 * access only, backups kept in the region (geo-redundant backup would copy them out of the zone).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as resources from "@pulumi/azure-native/resources";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import type { RegionalCloudDeployer, ResolvedRegionalArgs } from "../args";
import { ValidationError } from "../../shared/errors";

const ZONES = ["1", "2", "3"];

/** The Flexible Server tier a SKU belongs to; Burstable cannot run zone-redundant HA. */
export function azureSkuTier(field: string, sku: string): "GeneralPurpose" | "MemoryOptimized" {
    if (/^Standard_D\d+d?s_v\d+$/.test(sku)) return "GeneralPurpose";
    if (/^Standard_E\d+d?s_v\d+$/.test(sku)) return "MemoryOptimized";
    throw new ValidationError(field, `Azure SKU "${sku}" is not General Purpose or Memory Optimized (Burstable cannot run zone-redundant HA)`, `e.g. "Standard_D4ds_v5" or "Standard_E4ds_v5"`);
}

/** Subnet plan inside the /16: AKS nodes (pods use the overlay), and a subnet delegated to PostgreSQL. */
export function azureSubnetCidrs(networkCidr: string): { aks: string; database: string } {
    const [a, b] = networkCidr.split(".");
    return { aks: `${a}.${b}.0.0/17`, database: `${a}.${b}.128.0/24` };
}

/** Address space of the standby's VNet: the primary's /16 with the second octet + 1 (peerable, no overlap). */
export function azureStandbyNetworkCidr(networkCidr: string): string {
    const [a, b] = networkCidr.split(".").map(Number);
    return `${a}.${(b + 1) % 256}.0.0/16`;
}

export const deployAzure: RegionalCloudDeployer = (name: string, s: ResolvedRegionalArgs, parent: pulumi.ComponentResource) => {
    const opts = { parent };
    const location = s.region;

    const group = new resources.ResourceGroup(`${name}-rg`, { location, tags: s.dataTags }, opts);
    const resourceGroupName = group.name;

    // ---- Network ------------------------------------------------------------------------------
    const cidrs = azureSubnetCidrs(s.networkCidr);
    const vnet = new network.VirtualNetwork(`${name}-vnet`, {
        resourceGroupName, location, addressSpace: { addressPrefixes: [s.networkCidr] }, tags: s.tags,
    }, { ...opts, ignoreChanges: ["subnets"] }); // subnets are separate resources below
    const aksSubnet = new network.Subnet(`${name}-aks`, {
        resourceGroupName, virtualNetworkName: vnet.name, addressPrefix: cidrs.aks,
    }, opts);
    const dbSubnet = new network.Subnet(`${name}-db`, {
        resourceGroupName, virtualNetworkName: vnet.name, addressPrefix: cidrs.database,
        delegations: [{ name: "postgres-flexible", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
    }, { ...opts, dependsOn: [aksSubnet] }); // one subnet operation at a time on a VNet
    // The server's private name resolves only inside linked VNets.
    const dnsZone = new privatedns.PrivateZone(`${name}-db-dns`, {
        resourceGroupName, location: "global", privateZoneName: `${name}.private.postgres.database.azure.com`, tags: s.tags,
    }, opts);
    const dnsLink = new privatedns.VirtualNetworkLink(`${name}-db-dns`, {
        resourceGroupName, location: "global", privateZoneName: dnsZone.name, registrationEnabled: false,
        virtualNetwork: { id: vnet.id }, tags: s.tags,
    }, opts);

    // ---- AKS ------------------------------------------------------------------------------------
    const cluster = new containerservice.ManagedCluster(`${name}-aks`, {
        resourceGroupName,
        location,
        kubernetesVersion: s.kubernetesVersion,
        dnsPrefix: name,
        identity: { type: "SystemAssigned" },
        enableRBAC: true,
        sku: { name: "Base", tier: "Standard" },
        oidcIssuerProfile: { enabled: true },
        ...(s.apiAllowedCidrs.length > 0 ? { apiServerAccessProfile: { authorizedIPRanges: s.apiAllowedCidrs } } : {}),
        autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
        networkProfile: {
            networkPlugin: "azure",
            networkPluginMode: "overlay",
            networkPolicy: "calico",
            podCidr: "192.168.0.0/16",
            serviceCidr: "172.20.0.0/16",
            dnsServiceIP: "172.20.0.10",
            loadBalancerSku: "standard",
        },
        agentPoolProfiles: [{
            name: "system",
            mode: "System",
            type: "VirtualMachineScaleSets",
            osType: "Linux",
            vmSize: s.nodes.vmSize,
            count: s.nodes.count,
            enableAutoScaling: true,
            minCount: s.nodes.minCount,
            maxCount: s.nodes.maxCount,
            osDiskSizeGB: s.nodes.diskSizeGb,
            availabilityZones: ZONES,
            vnetSubnetID: aksSubnet.id,
        }],
        tags: s.dataTags,
    }, { ...opts, ignoreChanges: ["agentPoolProfiles[0].count"] });

    const credentials = containerservice.listManagedClusterUserCredentialsOutput({ resourceGroupName, resourceName: cluster.name }, { parent });
    const kubeconfig = credentials.kubeconfigs.apply((configs) => {
        const value = configs?.[0]?.value;
        if (!value) throw new Error(`AKS ${name} returned no user kubeconfig`);
        return Buffer.from(value, "base64").toString("utf8");
    });

    // ---- PostgreSQL Flexible Server 16 -----------------------------------------------------------
    const adminPassword = new random.RandomPassword(`${name}-db-admin`, { length: 32, special: false }, { parent });
    const server = new dbforpostgresql.Server(`${name}-db`, {
        resourceGroupName,
        location,
        version: "16",
        sku: { name: s.database.instanceClass, tier: azureSkuTier("database.instanceClass", s.database.instanceClass) },
        storage: { storageSizeGB: s.database.storageGb, autoGrow: "Enabled" },
        backup: { backupRetentionDays: s.database.backupRetentionDays, geoRedundantBackup: s.database.backupCopyRegion === undefined ? "Disabled" : "Enabled" },
        availabilityZone: "1",
        highAvailability: { mode: "ZoneRedundant", standbyAvailabilityZone: "2" },
        network: { delegatedSubnetResourceId: dbSubnet.id, privateDnsZoneArmResourceId: dnsZone.id, publicNetworkAccess: "Disabled" },
        authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
        administratorLogin: s.database.adminUser,
        administratorLoginPassword: adminPassword.result,
        createMode: "Create",
        tags: s.dataTags,
    }, { ...opts, dependsOn: [dnsLink], protect: s.database.deletionProtection });

    // Azure rejects concurrent configuration updates on one server ("ServerIsBusy"): chain them.
    // The static ones (wal_level, max_*) take effect at the next restart.
    let previous: pulumi.Resource = server;
    for (const [parameterName, value] of Object.entries(s.serverParameters)) {
        previous = new dbforpostgresql.Configuration(`${name}-${parameterName.replace(/[._]/g, "-")}`, {
            resourceGroupName, serverName: server.name, configurationName: parameterName, value, source: "user-override",
        }, { ...opts, dependsOn: [previous] });
    }
    const configured = previous;

    // The standby: a Flexible Server replica (asynchronous physical replication) in another location
    // of the zone, in a VNet of its own there (a VNet-integrated server's replica needs one in its
    // location), resolving through the same private DNS zone. No HA while it is a replica (Azure does
    // not offer it on replicas); it inherits the source's server parameters.
    let standby: { region: string; host: pulumi.Output<string>; serverName: pulumi.Output<string> } | undefined;
    const standbyLocation = s.database.standbyRegion;
    if (standbyLocation !== undefined) {
        const standbyName = `${name}-standby`;
        const standbyCidrs = azureSubnetCidrs(azureStandbyNetworkCidr(s.networkCidr));
        const standbyVnet = new network.VirtualNetwork(`${standbyName}-vnet`, {
            resourceGroupName, location: standbyLocation, addressSpace: { addressPrefixes: [azureStandbyNetworkCidr(s.networkCidr)] }, tags: s.tags,
        }, { ...opts, ignoreChanges: ["subnets"] });
        const standbySubnet = new network.Subnet(`${standbyName}-db`, {
            resourceGroupName, virtualNetworkName: standbyVnet.name, addressPrefix: standbyCidrs.database,
            delegations: [{ name: "postgres-flexible", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
        }, opts);
        const standbyDnsLink = new privatedns.VirtualNetworkLink(`${standbyName}-db-dns`, {
            resourceGroupName, location: "global", privateZoneName: dnsZone.name, registrationEnabled: false,
            virtualNetwork: { id: standbyVnet.id }, tags: s.tags,
        }, opts);
        const replica = new dbforpostgresql.Server(`${standbyName}-db`, {
            resourceGroupName,
            location: standbyLocation,
            createMode: "Replica",
            sourceServerResourceId: server.id,
            sku: { name: s.database.instanceClass, tier: azureSkuTier("database.instanceClass", s.database.instanceClass) },
            storage: { storageSizeGB: s.database.storageGb, autoGrow: "Enabled" },
            network: { delegatedSubnetResourceId: standbySubnet.id, privateDnsZoneArmResourceId: dnsZone.id, publicNetworkAccess: "Disabled" },
            tags: s.dataTags,
        }, { ...opts, dependsOn: [standbyDnsLink, configured], protect: s.database.deletionProtection, ignoreChanges: ["createMode", "sourceServerResourceId"] });
        standby = { region: standbyLocation, host: replica.fullyQualifiedDomainName.apply((fqdn) => fqdn ?? ""), serverName: replica.name };
    }

    return {
        clusterName: cluster.name,
        kubeconfig: pulumi.secret(kubeconfig),
        database: {
            host: server.fullyQualifiedDomainName.apply((fqdn) => fqdn ?? ""),
            port: pulumi.output(5432),
            adminUser: pulumi.output(s.database.adminUser),
            adminPassword: pulumi.secret(adminPassword.result),
            serverName: server.name,
            ...(standby === undefined ? {} : { standby }),
        },
        clusterReady: [cluster],
        createLogicalDatabase: (resourceName, databaseName, resourceOpts) => new dbforpostgresql.Database(resourceName, {
            resourceGroupName, serverName: server.name, databaseName, charset: "UTF8", collation: "en_US.utf8",
        }, { ...resourceOpts, dependsOn: [configured] }),
    };
};
