import { APPROVAL_INPUT } from '../approvals.js';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TOOLKIT, TOOLS, type CrmTool } from '../tools.js';

/**
 * Arcade's worker tool definitions (PROTOCOLS.md §4; arcade-core `ToolDefinition`), generated from the one tool
 * list. Each tool requires the Duo OAuth provider with its scope, which is what makes Arcade inject the user's
 * Duo access token into `context.authorization.token` when it invokes the tool.
 */

export type ValType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'json';

export interface ValueSchema {
  val_type: ValType;
  inner_val_type: Exclude<ValType, 'array'> | null;
  enum: string[] | null;
}

export interface InputParameter {
  name: string;
  required: boolean;
  description: string | null;
  value_schema: ValueSchema;
  inferrable: boolean;
}

export interface ToolDefinition {
  name: string;
  fully_qualified_name: string;
  description: string;
  toolkit: { name: string; description: string | null; version: string | null };
  input: { parameters: InputParameter[] };
  output: { description: string | null; available_modes: string[]; value_schema: ValueSchema | null };
  requirements: {
    authorization: { provider_id: string | null; provider_type: 'oauth2'; id: string; oauth2: { scopes: string[] } };
    secrets: null;
    metadata: null;
  };
}

export function toolDefinitions(providerId: string): ToolDefinition[] {
  return TOOLS.map((tool) => toolDefinition(tool, providerId));
}

export function toolDefinition(tool: CrmTool, providerId: string): ToolDefinition {
  return {
    name: tool.arcadeName,
    fully_qualified_name: `${TOOLKIT.name}.${tool.arcadeName}`,
    description: tool.description,
    toolkit: { name: TOOLKIT.name, description: TOOLKIT.description, version: TOOLKIT.version },
    input: { parameters: inputParameters(tool) },
    output: {
      description: 'The CRM’s JSON answer.',
      available_modes: ['value', 'error'],
      value_schema: { val_type: 'json', inner_val_type: null, enum: null },
    },
    requirements: {
      // A custom OAuth provider is named by `id` (the provider's id in Arcade); `provider_id` is for built-in ones.
      authorization: { provider_id: null, provider_type: 'oauth2', id: providerId, oauth2: { scopes: [tool.scope] } },
      secrets: null,
      metadata: null,
    },
  };
}

/** A stable digest of the definitions, so Arcade (and a human) can tell when the tools changed. */
export function definitionsHash(definitions: readonly ToolDefinition[]): string {
  return createHash('sha256').update(JSON.stringify(definitions)).digest('hex').slice(0, 16);
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
}

/** The zod shape, read through its JSON Schema so every zod construct maps the same way the MCP server shows it. */
function inputParameters(tool: CrmTool): InputParameter[] {
  const schema = z.toJSONSchema(z.object(tool.inputShape), { io: 'input' }) as JsonSchemaNode;
  const required = new Set(schema.required ?? []);
  const declared: InputParameter[] = Object.entries(schema.properties ?? {}).map(([name, node]) => ({
    name,
    required: required.has(name),
    description: node.description ?? null,
    value_schema: valueSchema(node),
    inferrable: true,
  }));
  // Declared so that Arcade passes the hook's override through to us; never inferred by a model.
  const approval: InputParameter = {
    name: APPROVAL_INPUT,
    required: false,
    description: 'Set by the Duo step-up hook when Duo approved this call; leave empty.',
    value_schema: { val_type: 'string', inner_val_type: null, enum: null },
    inferrable: false,
  };
  return [...declared, approval];
}

function valueSchema(node: JsonSchemaNode): ValueSchema {
  const valType = toValType(node);
  const inner = valType === 'array' && node.items ? toValType(node.items) : null;
  const enumValues = node.enum?.every((value) => typeof value === 'string') ? (node.enum as string[]) : null;
  return { val_type: valType, inner_val_type: inner === 'array' ? 'json' : inner, enum: enumValues };
}

function toValType(node: JsonSchemaNode): ValType {
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type;
  switch (type) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
    case 'array':
      return type;
    default:
      // Objects, unions and anything without one JSON type travel as JSON.
      return 'json';
  }
}
