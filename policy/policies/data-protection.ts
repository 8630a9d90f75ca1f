/**
 * Mandatory: data stores encrypted at rest and never publicly reachable. Services that always
 * encrypt (S3 since 2023, DynamoDB, Azure Database for PostgreSQL, Azure Storage) need no flag;
 * the ones with an opt-in flag must set it. "Public" covers the store's own switch and the
 * network paths that open a database port to the whole internet.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Props, asArray, isRecord } from "../lib/props";

/** Opt-in encryption flags per type: the property that must be `true`. */
const ENCRYPTION_FLAGS: Readonly<Record<string, string>> = {
    "aws:rds/instance:Instance": "storageEncrypted",
    "aws:rds/cluster:Cluster": "storageEncrypted",
    "aws:elasticache/replicationGroup:ReplicationGroup": "atRestEncryptionEnabled",
    "aws:ebs/volume:Volume": "encrypted",
    "aws:efs/fileSystem:FileSystem": "encrypted",
};

/** Database and cache ports that must not be open to the internet. */
const DATA_PORTS = [5432, 6379, 3306, 1433, 27017, 4222];
const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** A public-exposure finding per type, or undefined. */
const PUBLIC_CHECKS: Readonly<Record<string, (props: Props) => string | undefined>> = {
    "aws:rds/instance:Instance": (p) => (p.publiclyAccessible === true ? "`publiclyAccessible` is true" : undefined),
    "aws:rds/clusterInstance:ClusterInstance": (p) => (p.publiclyAccessible === true ? "`publiclyAccessible` is true" : undefined),
    "aws:s3/bucket:Bucket": (p) => publicAcl(p.acl),
    "aws:s3/bucketV2:BucketV2": (p) => publicAcl(p.acl),
    "aws:s3/bucketAclV2:BucketAclV2": (p) => publicAcl(p.acl),
    "aws:s3/bucketAcl:BucketAcl": (p) => publicAcl(p.acl),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (p) => {
        const off = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter((k) => p[k] !== true);
        return off.length > 0 ? `public access block leaves ${off.join(", ")} off` : undefined;
    },
    "aws:ec2/securityGroup:SecurityGroup": (p) =>
        asArray(p.ingress).map((rule) => openDataPort(rule, rule.cidrBlocks, rule.ipv6CidrBlocks)).find((f) => f !== undefined),
    "aws:ec2/securityGroupRule:SecurityGroupRule": (p) =>
        p.type === "ingress" ? openDataPort(p, p.cidrBlocks, p.ipv6CidrBlocks) : undefined,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (p) => openDataPort(p, [p.cidrIpv4], [p.cidrIpv6]),
    "azure-native:dbforpostgresql:Server": (p) =>
        isRecord(p.network) && String(p.network.publicNetworkAccess ?? "").toLowerCase() === "enabled"
            ? "`network.publicNetworkAccess` is Enabled"
            : undefined,
    "azure-native:dbforpostgresql:FirewallRule": (p) =>
        p.startIpAddress === "0.0.0.0" && p.endIpAddress === "255.255.255.255" ? "firewall rule admits every IPv4 address" : undefined,
    "azure-native:storage:StorageAccount": (p) => (p.allowBlobPublicAccess === true ? "`allowBlobPublicAccess` is true" : undefined),
    "azure-native:redis:Redis": (p) =>
        String(p.publicNetworkAccess ?? "").toLowerCase() === "enabled" && p.enableNonSslPort === true
            ? "public network access with the non-TLS port enabled"
            : undefined,
};

function publicAcl(acl: unknown): string | undefined {
    return acl === "public-read" || acl === "public-read-write" ? `ACL "${acl}" makes objects public` : undefined;
}

function openDataPort(rule: Props, ipv4: unknown, ipv6: unknown): string | undefined {
    const sources = [...asArray(ipv4), ...asArray(ipv6)];
    if (!sources.some((cidr) => ANYWHERE.includes(cidr))) return undefined;
    const protocol = String(rule.protocol ?? rule.ipProtocol ?? "");
    if (protocol !== "-1" && protocol !== "all" && protocol.toLowerCase() !== "tcp" && protocol !== "6") return undefined;
    const from = Number(rule.fromPort ?? 0);
    const to = Number(rule.toPort ?? 65535);
    const exposed = protocol === "-1" || protocol === "all" ? DATA_PORTS : DATA_PORTS.filter((port) => from <= port && port <= to);
    return exposed.length > 0 ? `ingress from anywhere on data port(s) ${exposed.join(", ")}` : undefined;
}

export const dataProtectionPolicies: ResourceValidationPolicy[] = [
    {
        name: "data-store-encrypted",
        description: "Data stores are encrypted at rest (RDS, ElastiCache, EBS, EFS set their encryption flag).",
        enforcementLevel: "mandatory",
        remediationSteps: "Set the encryption flag (e.g. `storageEncrypted: true` on RDS); it forces a replacement on existing stores.",
        validateResource: (args, reportViolation) => {
            const flag = ENCRYPTION_FLAGS[args.type];
            if (flag === undefined) return args.notApplicable("no opt-in encryption flag for this type");
            if (args.props[flag] !== true) reportViolation(`\`${flag}\` must be true (data at rest must be encrypted)`);
        },
    },
    {
        name: "data-store-not-public",
        description: "Data stores are never publicly reachable (no public endpoint, ACL, firewall rule or open database port).",
        enforcementLevel: "mandatory",
        remediationSteps: "Keep databases in private subnets/VNets; reach them through the cluster, a VPN or private endpoints.",
        validateResource: (args, reportViolation) => {
            const check = PUBLIC_CHECKS[args.type];
            if (check === undefined) return args.notApplicable("no public-exposure switch for this type");
            const finding = check(args.props);
            if (finding !== undefined) reportViolation(`publicly reachable: ${finding}`);
        },
    },
];
