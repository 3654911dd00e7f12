/**
 * Route validation with ajv (the project's JSON Schema validator) in hapi's
 * `validate` hooks, so routes declare their schemas and nobody validates by
 * hand. Failures become 400 ProblemDetails listing every problem with its path.
 */
import { Ajv, type ErrorObject, type Schema } from 'ajv';
import Boom from '@hapi/boom';

const ajv = new Ajv({ allErrors: true, strict: false });

/** A hapi validate function for a JSON Schema; `what` names the input in messages. */
export function ajvValidator(schema: Schema, what: string): ((value: unknown) => Promise<unknown>) & { schema: Schema; schemaName: string } {
  const check = ajv.compile(schema);
  const validate = async (value: unknown) => {
    if (check(value)) return value;
    const problems = (check.errors ?? []).map((e: ErrorObject) => ({
      path: `${what}${e.instancePath.replace(/\//g, '.')}` || what,
      message: e.keyword === 'additionalProperties' ? `unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'` : (e.message ?? 'invalid'),
    }));
    // A property, not `data`: hapi's validation step replaces a Boom's data (boomify with data.defaultError).
    throw Object.assign(Boom.badRequest(`invalid ${what}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`), { problems });
  };
  // The OpenAPI document shows the schema a route validates with.
  return Object.assign(validate, { schema, schemaName: what });
}
