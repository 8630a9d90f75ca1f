/** The real-engine tests' local deployments: tools/engine/local-deployment.ts (the drills use it too). */
export * from "../../tools/engine/local-deployment";
