import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { HearthError, type ErrorIssue } from '../errors/hearth-error.ts';
import { referenceFormProblems } from '../records/references.ts';
import { loadFhirDefinitions } from './definitions.ts';
import { fastValidate } from './validator/fast-validate.ts';

/**
 * Structural validation of a FHIR R4 resource against the base specification (types, cardinality,
 * required elements, reference form), via @medplum/core. Throws a HearthError('invalid') whose issues
 * carry the FHIRPath location and the problem; returns the resource typed on success.
 */
export function validateFhirResource(resource: unknown): Resource {
  loadFhirDefinitions();
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    throw new HearthError('invalid', 'a FHIR resource must be a JSON object');
  }
  const resourceType = (resource as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string' || resourceType === '') {
    throw new HearthError('invalid', 'missing resourceType', [{ expression: 'resourceType', message: 'missing resourceType' }]);
  }
  // The compiled check (validator/) answers "certainly valid" for almost every record at a tenth of
  // the cost; anything else goes to medplum, whose verdict and message stay the canonical ones.
  if (!fastValidate(resource)) checkWithMedplum(resource as Resource, resourceType);
  // The base validator accepts any string as Reference.reference; its form is checked here.
  const problems = referenceFormProblems(resource);
  if (problems.length > 0) throw new HearthError('invalid', `${problems[0]!.expression}: ${problems[0]!.message}`, problems);
  return resource as Resource;
}

function checkWithMedplum(resource: Resource, resourceType: string): void {
  try {
    validateResource(resource);
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      const issues: ErrorIssue[] = (error.outcome.issue ?? [])
        .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
        .map((issue) => ({
          expression: issue.expression?.[0],
          message: issue.details?.text ?? issue.diagnostics ?? 'invalid',
        }));
      if (issues.length > 0) {
        const first = issues[0]!;
        throw new HearthError('invalid', `${first.expression ?? resourceType}: ${first.message}`, issues);
      }
    } else {
      throw new HearthError('invalid', `${resourceType}: ${(error as Error).message}`);
    }
  }
}
