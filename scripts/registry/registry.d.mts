export declare const repoRoot: string;
/** Apicurio serves Confluent's REST API under this path. */
export declare const CCOMPAT_PATH: string;
/** Builds the registry if needed (scripts/registry/build.sh) and returns the runnable jar's path. */
export declare function buildRegistry(): Promise<string>;
export interface RunningRegistry {
  /** The Confluent-compatible API root, e.g. http://127.0.0.1:41234/apis/ccompat/v7. */
  url: string;
  baseUrl: string;
  port: number;
  pid: number;
  logFile: string;
  /** Stops it; its run folder (log included) is deleted unless keepLogs. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}
/** Starts a registry on a free port (or `port`) and resolves once its Confluent API answers. */
export declare function startRegistry(options?: {
  port?: number | 'auto';
  name?: string;
  timeoutMs?: number;
  detached?: boolean;
}): Promise<RunningRegistry>;
/**
 * Reads `count` records of `topic` with Kafka's Java consumer and decodes their values with Java libraries
 * (scripts/registry/ReadWithJava.java). int64 values come back as decimal strings.
 */
export declare function readWithJava(options: {
  bootstrap: string;
  topic: string;
  format: 'avro' | 'json' | 'protobuf';
  /** The registry's root (not its /apis/ccompat/v7 API), e.g. http://127.0.0.1:8080. */
  registryBaseUrl: string;
  count: number;
  timeoutMs?: number;
}): Promise<Array<{ offset: number; key: string | null; schemaId: number; type: string; value: unknown }>>;
