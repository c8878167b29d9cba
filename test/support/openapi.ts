import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.0 document the tests read. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

export interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

export type JsonSchema = Record<string, unknown>;

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operations(
  spec: OpenApiDocument,
): { method: string; path: string; operation: Operation }[] {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({
      method,
      path,
      operation: item[method],
    })),
  );
}

/**
 * OpenAPI 3.0's `nullable: true` beside `allOf`/`$ref` is not JSON Schema: rewrite it as
 * `anyOf: [null, schema]` so ajv reads it as the document means it.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node).map(([key, value]) => [key, toJsonSchema(value)]);
  const schema = Object.fromEntries(entries) as JsonSchema;
  if (schema.nullable !== true) return schema;
  const { nullable: _nullable, description, ...rest } = schema;
  return { ...(description ? { description } : {}), anyOf: [{ type: 'null' }, rest] };
}

/** Resolves `#/components/schemas/X` references against the document (one level at a time). */
export function resolve(spec: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema {
  if (!schema) return {};
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    return resolve(spec, spec.components.schemas[name] as JsonSchema);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    const { allOf, ...rest } = schema;
    return { ...resolve(spec, allOf[0] as JsonSchema), ...rest };
  }
  return schema;
}

/** Validates responses against the served document's response schemas. */
export class ResponseValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly spec: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: toJsonSchema(spec.components) });
  }

  /**
   * What is wrong with a response to `method path` (a template such as `/v1/customers/{id}`),
   * or an empty list: the status must be documented, the media type among its content types,
   * and the body valid against that schema.
   */
  problems(
    method: string,
    path: string,
    response: { status: number; headers: Record<string, string>; body: unknown },
  ): string[] {
    const operation = this.spec.paths[path]?.[method];
    if (!operation) return [`${method.toUpperCase()} ${path} is not in the document`];
    const documented = operation.responses[String(response.status)];
    const where = `${method.toUpperCase()} ${path} ${response.status}`;
    if (!documented) {
      return [`${where}: status not documented (${Object.keys(operation.responses).join(', ')})`];
    }
    if (!documented.content) {
      return response.status === 204 ? [] : [`${where}: no content documented`];
    }
    const mediaType = (response.headers['content-type'] ?? '').split(';')[0].trim();
    const content = documented.content[mediaType];
    if (!content) {
      return [`${where}: ${mediaType} not among ${Object.keys(documented.content).join(', ')}`];
    }
    if (!content.schema || mediaType === 'text/event-stream') return [];
    const key = `${method} ${path} ${response.status} ${mediaType}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const schema = JSON.parse(
        JSON.stringify(toJsonSchema(content.schema)).replace(
          /"#\/components/g,
          '"openapi#/components',
        ),
      ) as JsonSchema;
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    return validate(response.body)
      ? []
      : (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message}`);
  }
}
