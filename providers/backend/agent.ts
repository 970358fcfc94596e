/**
 * The deterministic agent: a run's input alone decides its steps, so a
 * provider state can ask for "a run with two tool calls" and get exactly that.
 *
 * Directives in square brackets, anywhere in the input, in order:
 *   [think N]        N reasoning steps before the tools (1..10; default 1)
 *   [calc EXPR]      a calculator call, e.g. [calc 6*7]; [calc 1/0] fails
 *   [search QUERY]   a search over the tenant's threads and messages
 *   [fail]           the run ends with status "failed"
 * The rest of the input is the task. "What is 6*7? [calc 6*7]" gives:
 * agent_started, agent_thinking, tool_executing, tool_completed, agent_completed.
 */

/**
 * The agents a run may name. All of them plan with planRun; the name is what
 * a client asks for, so an unknown one is refused (404 agent_not_found)
 * instead of running something the client did not mean.
 */
export const agentNames: ReadonlySet<string> = new Set(['calculator']);

export interface ToolCall {
  toolCallId: string;
  toolName: 'calculator' | 'search';
  parameters: { expression: string } | { query: string };
}

export interface AgentPlan {
  task: string;
  thinkingSteps: number;
  tools: ToolCall[];
  fail: boolean;
}

const MAX_THINKING = 10;
// A directive's name is a whole word: "[failure modes]" is part of the task, not [fail].
const DIRECTIVE = /\[(think|calc|search|fail)\b\s*([^\]]*)\]/g;

export function planRun(input: string): AgentPlan {
  const plan: AgentPlan = { task: '', thinkingSteps: 1, tools: [], fail: false };
  for (const [, name, argument = ''] of input.matchAll(DIRECTIVE)) {
    const value = argument.trim();
    switch (name) {
      case 'think':
        plan.thinkingSteps = Math.min(MAX_THINKING, Math.max(1, Number.parseInt(value, 10) || 1));
        break;
      case 'calc':
        plan.tools.push({
          toolCallId: `call_${plan.tools.length + 1}`,
          toolName: 'calculator',
          parameters: { expression: value },
        });
        break;
      case 'search':
        plan.tools.push({
          toolCallId: `call_${plan.tools.length + 1}`,
          toolName: 'search',
          parameters: { query: value },
        });
        break;
      default:
        plan.fail = true;
    }
  }
  plan.task = input.replace(DIRECTIVE, ' ').replace(/\s+/g, ' ').trim() || input.trim();
  return plan;
}

/** The reasoning text of step `step`: fixed by the plan, so it is the same on every run. */
export function reasoningFor(plan: AgentPlan, step: number): string {
  if (plan.tools.length === 0) return `Step ${step}: answering "${plan.task}" without tools.`;
  const tools = plan.tools.map((t) => t.toolName).join(', then ');
  return `Step ${step}: to answer "${plan.task}" I will use ${tools}.`;
}
