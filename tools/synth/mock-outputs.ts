/**
 * Plausible fake outputs for the resources and provider functions this library uses, so programs
 * that read outputs (endpoints, kubeconfigs, generated passwords) run under the mock runtime.
 * Extend the tables when a component reads a new output; unknown types echo their inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { AGGREGATE_TABLES } from "../../stacks/mesh";

type Outputs = Record<string, unknown>;

const FAKE_KUBECONFIG = (name: string): string =>
    [
        "apiVersion: v1",
        "kind: Config",
        `clusters: [{name: ${name}, cluster: {server: "https://${name}.example.invalid"}}]`,
        `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}}}]`,
        `current-context: ${name}`,
        `users: [{name: ${name}, user: {token: mock-token}}]`,
    ].join("\n");

type Entry = Record<string, unknown>;

/** What the referencing stack's config declares of the stacks it references: its zone, its facilities and peers by stack reference. */
interface DeclaredReferences {
    zone?: string;
    facilities: Map<string, Entry>;
    peers: Map<string, Entry>;
}

/** Indexed once per synthesized config: a 1,000-facility stack has 1,000 references to answer. */
const declaredByConfig = new WeakMap<Readonly<Record<string, string>>, DeclaredReferences>();

function declaredReferences(config: Readonly<Record<string, string>>): DeclaredReferences {
    let declared = declaredByConfig.get(config);
    if (!declared) {
        const project = pulumi.getProject();
        // The first entry naming a reference wins (as a lookup in config order would).
        const byReference = (key: string, referenceOf: (entry: Entry) => unknown) => {
            const index = new Map<string, Entry>();
            for (const entry of JSON.parse(config[`${project}:${key}`] ?? "[]") as Entry[]) {
                const reference = referenceOf(entry);
                if (typeof reference === "string" && !index.has(reference)) index.set(reference, entry);
            }
            return index;
        };
        declared = {
            zone: config[`${project}:zone`],
            facilities: byReference("facilities", (f) => f.edgeStack ?? `edge-${String(f.id).slice("facility-".length)}`),
            peers: byReference("peers", (p) => p.stackReference),
        };
        declaredByConfig.set(config, declared);
    }
    return declared;
}

/**
 * A referenced stack's outputs, following the contracts of stacks/peers.ts (a regional peer) and
 * stacks/facility-endpoints.ts (an `edge-*` stack). Offline nobody knows the other stack, so the
 * values the program checks (zone, cloud, region, tables, facility, tenant) are what the
 * referencing stack's config declares of it: the synth shows the graph of a consistent fleet; the
 * contradictions are tested on the real engine (test/engine/stack-references.test.ts).
 */
function fakeStackReference(reference: string, config: Readonly<Record<string, string>>): Outputs {
    const stack = reference.split("/").pop() ?? reference;
    const declared = declaredReferences(config);
    if (stack.startsWith("edge-")) {
        const facility = declared.facilities.get(reference) ?? {};
        return {
            outputs: {
                zone: facility.zone ?? declared.zone,
                facilityId: facility.id ?? `facility-${stack.slice("edge-".length)}`,
                facility: { id: facility.id, tenant: facility.tenant },
                databaseEndpoint: { host: `${stack}.vpn.example.invalid`, port: 5436, database: "agogsaas_edge" },
                healthUrl: `http://${stack}.vpn.example.invalid:4010/health`,
                adminUser: "agogsaas",
                adminPassword: `mock-password-${stack}-admin`,
                replicationPassword: `mock-password-${stack}-replication`,
            },
            secretOutputNames: ["adminPassword", "replicationPassword"],
        };
    }
    const peer = declared.peers.get(reference) ?? {};
    return {
        outputs: {
            peering: {
                stack,
                zone: peer.zone,
                cloud: peer.cloud ?? "undeclared",
                region: peer.region ?? "undeclared",
                tables: peer.tables ?? AGGREGATE_TABLES,
                graphqlUrl: `https://api.${stack}.example.invalid/graphql/federation/aggregate`,
                // The peering login of the publication the region offers (never its administrator).
                database: {
                    host: `${stack}-db.example.invalid`, port: 5432, database: "agogsaas_peering",
                    user: `mesh_peering_${stack.replace(/-/g, "_")}_reader`, publication: `mesh_peering_${stack.replace(/-/g, "_")}`,
                },
            },
            peeringPassword: `mock-password-${stack}-peering`,
        },
        secretOutputNames: ["peeringPassword"],
    };
}

/** Regions of the explicit AWS providers registered so far, by provider name (a resource's ARN names its region). */
const awsProviderRegions = new Map<string, string>();

/** The region a real AWS provider would put in this resource's ARN: its own `region`, its provider's, or the stack's. */
function awsRegionOf(a: MockResourceArgs, config: Readonly<Record<string, string>>): string {
    const providerName = a.provider?.split("::")[3];
    return String(a.inputs.region ?? (providerName ? awsProviderRegions.get(providerName) : undefined) ?? config["aws:region"] ?? "mock");
}

/** Per type token: outputs the real provider would add to the inputs (given the stack's config). */
const RESOURCE_OUTPUTS: Record<string, (args: MockResourceArgs, config: Readonly<Record<string, string>>) => Outputs> = {
    "pulumi:pulumi:StackReference": (a, config) => fakeStackReference(String(a.inputs.name), config),
    "random:index/randomPassword:RandomPassword": (a) => ({ result: `mock-password-${a.name}` }),
    "random:index/randomString:RandomString": (a) => ({ result: `mock-${a.name}` }),
    "aws:ec2/vpc:Vpc": (a) => ({ arn: `arn:aws:ec2:mock:vpc/${a.name}` }),
    "aws:eks/cluster:Cluster": (a) => ({
        arn: `arn:aws:eks:mock:cluster/${a.name}`,
        endpoint: `https://${a.name}.eks.example.invalid`,
        certificateAuthority: { data: "bW9jay1jYQ==" },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.example.invalid/id/${a.name}` }] }],
    }),
    "aws:rds/instance:Instance": (a, config) => ({
        address: `${a.name}.rds.example.invalid`,
        endpoint: `${a.name}.rds.example.invalid:5432`,
        port: 5432,
        identifier: a.inputs.identifier ?? `${a.name}-mock`,
        arn: `arn:aws:rds:${awsRegionOf(a, config)}:123456789012:db:${a.name}`,
    }),
    "aws:iam/role:Role": (a) => ({ arn: `arn:aws:iam::123456789012:role/${a.name}` }),
    "docker:index/remoteImage:RemoteImage": (a) => ({
        imageId: `sha256:${Buffer.from(String(a.inputs.name)).toString("hex").padEnd(64, "0").slice(0, 64)}`,
        repoDigest: `${String(a.inputs.name).split(":")[0]}@sha256:${"0".repeat(64)}`,
    }),
    "azure-native:dbforpostgresql:Server": (a) => ({ fullyQualifiedDomainName: `${a.name}.postgres.database.azure.example.invalid` }),
    "azure-native:containerservice:ManagedCluster": (a) => ({ fqdn: `${a.name}.hcp.example.invalid` }),
};

/** Outputs for a registered resource of a stack with `config`: its inputs plus type-specific outputs. */
export function mockResourceState(args: MockResourceArgs, config: Readonly<Record<string, string>>): Outputs {
    if (args.type === "pulumi:providers:aws" && typeof args.inputs.region === "string") awsProviderRegions.set(args.name, args.inputs.region);
    const extra = RESOURCE_OUTPUTS[args.type]?.(args, config) ?? {};
    return { ...args.inputs, name: args.inputs.name ?? args.name, ...extra };
}

/** Per function token: the result of a provider function (data source). */
const CALL_RESULTS: Record<string, (args: MockCallArgs) => Outputs> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": (a) => {
        const region = String(a.inputs.region ?? "us-east-1");
        return { names: ["a", "b", "c"].map((s) => `${region}${s}`), zoneIds: ["1", "2", "3"].map((s) => `${region}-az${s}`) };
    },
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/mock", userId: "mock" }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" }),
    "aws:index/getRegion:getRegion": (a) => ({ name: a.inputs.region ?? "us-east-1", region: a.inputs.region ?? "us-east-1" }),
    "azure-native:containerservice:listManagedClusterUserCredentials": (a) => ({
        kubeconfigs: [{ name: "clusterUser", value: Buffer.from(FAKE_KUBECONFIG(String(a.inputs.resourceName ?? "aks"))).toString("base64") }],
    }),
};

export function mockCallResult(args: MockCallArgs): Outputs {
    return CALL_RESULTS[args.token]?.(args) ?? args.inputs;
}

export { FAKE_KUBECONFIG };
