/**
 * Mandatory: backups, snapshot copies, read replicas and geo-redundant copies stay in the zone.
 * - AWS: RDS snapshot copies (`destinationRegion`, source snapshot ARN), automated-backup
 *   replication, cross-region read replicas (`replicateSourceDb` ARN), AWS Backup copy actions,
 *   DynamoDB replicas, S3 replication (a stack policy: a destination bucket's region is only
 *   known from the bucket resource, S3 ARNs carry none).
 * - Azure: geo-redundant backup (PostgreSQL) and geo-replicated storage SKUs copy to the paired
 *   location, which must be in the same zone (Sweden Central pairs with Sweden South, which is
 *   outside the EU list; Poland Central has no pair at all).
 * - Edge: an EdgeSite's off-site backup container (Docker) names its target in labels
 *   (`agogsaas.backup-target-cloud`, `agogsaas.backup-target-region`); the target must be in the zone.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { AZURE_PAIRED_LOCATIONS, Zone } from "../../components/shared/sovereignty";
import { BACKUP_TARGET_LABELS } from "../../components/edge-site/internal/backup";
import { ZONE_CONFIG_SCHEMA, configuredZone } from "../lib/config";
import { Cloud, placementOf, zoneOfPlace } from "../lib/placement";
import { Props, asArray, asString, isRecord, regionOfArn, whenKnown } from "../lib/props";

/** A copy of data to another place: where it goes (or comes from) and what the property is. */
interface Copy {
    what: string;
    cloud: Cloud;
    where: string;
}


/** The copies a resource makes, per type. `here()` is where the resource itself is placed (read only when needed). */
const COPIES: Readonly<Record<string, (p: Props, here: () => string | undefined) => Copy[]>> = {
    "aws:rds/snapshotCopy:SnapshotCopy": (p, here) =>
        snapshotCopy(p.sourceDbSnapshotIdentifier, asString(p.destinationRegion) ?? here()),
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": (p, here) =>
        snapshotCopy(p.sourceDbClusterSnapshotIdentifier, asString(p.destinationRegion) ?? here()),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (p) =>
        awsArnCopy("source instance (sourceDbInstanceArn)", p.sourceDbInstanceArn),
    // A read replica (a standby) is a copy both ways: its source must be of the zone, and so must it.
    "aws:rds/instance:Instance": (p, here) => [
        ...awsArnCopy("replication source (replicateSourceDb)", p.replicateSourceDb),
        ...(p.replicateSourceDb !== undefined ? placedCopy("read replica (replicateSourceDb)", "aws", here()) : []),
    ],
    "aws:backup/plan:Plan": (p) =>
        asArray(p.rules).flatMap((rule, i) =>
            asArray(rule?.copyActions).flatMap((action, j) =>
                awsArnCopy(`rules[${i}].copyActions[${j}].destinationVaultArn`, action?.destinationVaultArn),
            ),
        ),
    "aws:dynamodb/table:Table": (p) =>
        asArray(p.replicas).flatMap((replica, i) =>
            asString(replica?.regionName) ? [{ what: `replicas[${i}].regionName`, cloud: "aws" as const, where: replica.regionName }] : [],
        ),
    // A replica's source is named by resource id, which carries no location: only the replica's own
    // location can be checked here (the source's is checked where that server is declared).
    "azure-native:dbforpostgresql:Server": (p, here) => [
        ...(isRecord(p.backup) && String(p.backup.geoRedundantBackup ?? "").toLowerCase() === "enabled" ? pairedCopy("geo-redundant backup", here()) : []),
        ...(String(p.createMode ?? "").toLowerCase() === "replica" ? placedCopy("read replica (createMode Replica)", "azure", here()) : []),
    ],
    "azure-native:storage:StorageAccount": (p, here) =>
        isRecord(p.sku) && /GRS|GZRS/i.test(String(p.sku.name ?? "")) ? pairedCopy(`geo-replicated SKU ${p.sku.name}`, here()) : [],
    "docker:index/container:Container": (p) => edgeBackupTarget(p.labels),
};

/** The off-site target an edge backup container declares in its labels (none: not a backup container). */
function edgeBackupTarget(labels: unknown): Copy[] {
    const byName = Object.fromEntries(asArray(labels).filter(isRecord).map((l) => [String(l.label), l.value]));
    const cloud = byName[BACKUP_TARGET_LABELS.cloud];
    if (cloud === undefined) return [];
    const region = asString(byName[BACKUP_TARGET_LABELS.region]);
    const what = `off-site backup target ${asString(byName[BACKUP_TARGET_LABELS.bucket]) ?? "(unnamed)"} (label ${BACKUP_TARGET_LABELS.region})`;
    // A target that does not say where it is (or on which cloud) cannot be shown to be in the zone.
    if (cloud !== "aws" && cloud !== "azure") return [{ what: `${what} on unknown cloud ${JSON.stringify(cloud)}`, cloud: "aws", where: `(cloud ${String(cloud)})` }];
    return [{ what, cloud, where: region ?? "(no region label)" }];
}

function snapshotCopy(sourceArn: unknown, destination: string | undefined): Copy[] {
    return [
        ...awsArnCopy("source snapshot", sourceArn),
        ...(destination ? [{ what: "destination region", cloud: "aws" as const, where: destination }] : []),
    ];
}

function awsArnCopy(what: string, arn: unknown): Copy[] {
    const region = regionOfArn(arn);
    return region ? [{ what, cloud: "aws", where: region }] : [];
}

function placedCopy(what: string, cloud: Cloud, here: string | undefined): Copy[] {
    return here === undefined ? [] : [{ what, cloud, where: here }];
}

function pairedCopy(what: string, here: string | undefined): Copy[] {
    if (here === undefined) return [];
    return [{ what: `${what} (paired location of ${here})`, cloud: "azure", where: AZURE_PAIRED_LOCATIONS[here] ?? `(no pair for ${here})` }];
}

const S3_BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const S3_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";

/** Destination bucket ARNs of a replication config (separate resource or the bucket's inline block). */
function replicationDestinations(resource: PolicyResource): string[] {
    const rules = resource.type === S3_REPLICATION
        ? asArray(resource.props.rules)
        : asArray(isRecord(resource.props.replicationConfiguration) ? resource.props.replicationConfiguration.rules : undefined);
    return rules.map((rule) => asString(rule?.destination?.bucket)).filter((arn): arn is string => arn !== undefined);
}

/** The zone of a bucket of this stack, from its placement (its own region or its provider's). */
function bucketZone(bucket: PolicyResource): Zone | "unplaced" | undefined {
    const placement = whenKnown(() => placementOf(bucket), undefined);
    return placement === undefined ? "unplaced" : placement.zone;
}

function bucketArns(bucket: PolicyResource): string[] {
    return whenKnown(() => [asString(bucket.props.arn), asString(bucket.props.bucket) && `arn:aws:s3:::${bucket.props.bucket}`], [])
        .filter((arn): arn is string => typeof arn === "string");
}

export const backupPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    {
        name: "backups-stay-in-zone",
        description: "Backups, snapshot copies, read replicas and geo-redundant copies stay in the stack's zone.",
        enforcementLevel: "mandatory",
        configSchema: ZONE_CONFIG_SCHEMA,
        remediationSteps: "Copy to a region of the same zone (e.g. eu-central-1 -> eu-west-1); on Azure keep geo-redundancy off where the pair is outside the zone.",
        validateResource: (args, reportViolation) => {
            const copies = COPIES[args.type];
            if (copies === undefined) return args.notApplicable("makes no copies");
            const zone = configuredZone(args);
            for (const copy of copies(args.props, () => placementOf(args)?.where)) {
                const copyZone = zoneOfPlace(copy.cloud, copy.where);
                if (copyZone !== zone) {
                    reportViolation(`${copy.what} is in "${copy.where}" (zone ${copyZone ?? "none"}), outside sovereignty zone "${zone}"`);
                }
            }
        },
    },
    {
        name: "s3-replication-stays-in-zone",
        description: "S3 replication rules only copy to buckets of this stack in the stack's zone.",
        enforcementLevel: "mandatory",
        configSchema: ZONE_CONFIG_SCHEMA,
        remediationSteps: "Replicate to a bucket managed in this stack with a region of the same zone.",
        validateStack: (args, reportViolation) => {
            const zone = configuredZone(args);
            const buckets = args.resources.filter((r) => S3_BUCKETS.includes(r.type));
            const replicating = args.resources.filter(
                (r) => r.type === S3_REPLICATION || (S3_BUCKETS.includes(r.type) && whenKnown(() => isRecord(r.props.replicationConfiguration), false)),
            );
            if (replicating.length === 0) return args.notApplicable("no S3 replication");
            for (const config of replicating) {
                // Buckets it points at: by ARN when known, else the buckets it depends on (preview).
                const arns = whenKnown(() => replicationDestinations(config), []);
                const byArn = buckets.filter((b) => b.urn !== config.urn && bucketArns(b).some((arn) => arns.includes(arn)));
                const related = byArn.length > 0 ? byArn : buckets.filter((b) => config.dependencies.some((d) => d.urn === b.urn));
                for (const bucket of related) {
                    const bucketZoneValue = bucketZone(bucket);
                    if (bucketZoneValue !== zone && bucketZoneValue !== "unplaced") {
                        reportViolation(`replicates to bucket ${bucket.name} in zone ${bucketZoneValue ?? "none"}, outside sovereignty zone "${zone}"`, config.urn);
                    }
                }
                for (const arn of arns.filter((a) => !buckets.some((b) => bucketArns(b).includes(a)))) {
                    reportViolation(`replicates to ${arn}, a bucket outside this stack whose region cannot be verified`, config.urn);
                }
            }
        },
    },
];
