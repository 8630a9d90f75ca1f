// The policy pack the Pulumi engine runs (`pulumi preview --policy-pack policy`). Policies live in
// policies/*.ts and are listed in pack.ts; see docs/policy.md.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

new PolicyPack(PACK_NAME, packArgs);
