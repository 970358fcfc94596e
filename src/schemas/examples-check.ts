import { formatIssues, type SchemaRegistry } from './registry.js';

export interface ExamplesReport {
  schemas: number;
  examples: number;
  /** One entry per failing example: `auth/user examples[0]: /email must match format "email"`. */
  problems: string[];
}

/** Compiles every schema and checks each of its `examples` against it. */
export function checkExamples(registry: SchemaRegistry): ExamplesReport {
  const report: ExamplesReport = { schemas: 0, examples: 0, problems: [] };
  for (const file of registry.files) {
    const validator = registry.validatorFor(file.name);
    report.schemas += 1;
    const examples = file.schema.examples ?? [];
    if (examples.length === 0) report.problems.push(`${file.name}: has no examples`);
    examples.forEach((example, index) => {
      report.examples += 1;
      const issues = validator.issues(example);
      if (issues.length > 0) {
        report.problems.push(`${file.name} examples[${index}]: ${formatIssues(issues)}`);
      }
    });
  }
  return report;
}
