/**
 * Which resource types hold data, and how each carries the residency tags or labels: a map on
 * AWS and Azure (`tags`), Kubernetes `metadata.labels`, Docker `labels: [{label, value}]`.
 */
import { Props, asArray, isRecord } from "./props";

export type LabelStyle = "tags" | "kubernetes" | "docker";

/** Data-bearing resource types and their label style. */
export const DATA_STORE_TYPES: Readonly<Record<string, LabelStyle>> = {
    "aws:rds/instance:Instance": "tags",
    "aws:rds/cluster:Cluster": "tags",
    "aws:rds/snapshotCopy:SnapshotCopy": "tags",
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": "tags",
    "aws:s3/bucket:Bucket": "tags",
    "aws:s3/bucketV2:BucketV2": "tags",
    "aws:dynamodb/table:Table": "tags",
    "aws:elasticache/replicationGroup:ReplicationGroup": "tags",
    "aws:ebs/volume:Volume": "tags",
    "aws:efs/fileSystem:FileSystem": "tags",
    "aws:backup/vault:Vault": "tags",
    "azure-native:dbforpostgresql:Server": "tags",
    "azure-native:storage:StorageAccount": "tags",
    "azure-native:redis:Redis": "tags",
    "azure-native:documentdb:DatabaseAccount": "tags",
    "azure-native:sql:Server": "tags",
    "kubernetes:core/v1:PersistentVolumeClaim": "kubernetes",
    "kubernetes:apps/v1:StatefulSet": "kubernetes",
    "docker:index/volume:Volume": "docker",
};

export function isDataStore(type: string): boolean {
    return type in DATA_STORE_TYPES;
}

/** The tags or labels of a data store as a plain map. */
export function labelsOf(type: string, props: Props): Record<string, string> {
    switch (DATA_STORE_TYPES[type]) {
        case "tags":
            return isRecord(props.tags) ? { ...props.tags } : {};
        case "kubernetes":
            return isRecord(props.metadata) && isRecord(props.metadata.labels) ? { ...props.metadata.labels } : {};
        case "docker":
            return Object.fromEntries(asArray(props.labels).filter(isRecord).map((l) => [String(l.label), String(l.value)]));
        default:
            return {};
    }
}

/**
 * Adds `labels` to the tags or labels of `props` in place (existing keys win) and returns `props`.
 * In place, as the SDK's remediation examples do: `props` is the engine's proxy, which keeps
 * secret values secret on write and would throw on copying an unknown value.
 */
export function addLabels(type: string, props: Props, labels: Record<string, string>): Props {
    const merged = { ...labels, ...labelsOf(type, props) };
    switch (DATA_STORE_TYPES[type]) {
        case "tags":
            props.tags = merged;
            break;
        case "kubernetes":
            if (!isRecord(props.metadata)) props.metadata = {};
            props.metadata.labels = merged;
            break;
        case "docker":
            props.labels = Object.entries(merged).map(([label, value]) => ({ label, value }));
            break;
    }
    return props;
}
