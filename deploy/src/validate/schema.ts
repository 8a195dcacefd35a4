import { Issuer, Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ScrapeConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import { MutatingWebhookConfiguration, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, PodTemplate, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { Manifest } from '../manifest.ts';
import { unknownFields } from './unknown-fields.ts';

interface ValidatingModel {
  new (data: never): { validate(): void };
}

/**
 * Every kind the deploy bases may contain. Built-in kinds are checked against the Kubernetes OpenAPI schema twice:
 * types, enums and required fields by kubernetes-models, unknown fields by @kubernetes/client-node's models.
 * Custom resources are checked against their CRD's schema (kubernetes-models' generated validators).
 */
const KINDS: Record<string, { model: ValidatingModel; clientModel?: string }> = {
  'v1/Namespace': { model: Namespace, clientModel: 'V1Namespace' },
  'v1/ServiceAccount': { model: ServiceAccount, clientModel: 'V1ServiceAccount' },
  'v1/Service': { model: Service, clientModel: 'V1Service' },
  'v1/ConfigMap': { model: ConfigMap, clientModel: 'V1ConfigMap' },
  'v1/PodTemplate': { model: PodTemplate, clientModel: 'V1PodTemplate' },
  'apps/v1/Deployment': { model: Deployment, clientModel: 'V1Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, clientModel: 'V1StatefulSet' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, clientModel: 'V1PodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole, clientModel: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { model: ClusterRoleBinding, clientModel: 'V1ClusterRoleBinding' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, clientModel: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, clientModel: 'V1RoleBinding' },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': { model: MutatingWebhookConfiguration, clientModel: 'V1MutatingWebhookConfiguration' },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': { model: ValidatingAdmissionPolicy, clientModel: 'V1ValidatingAdmissionPolicy' },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': {
    model: ValidatingAdmissionPolicyBinding,
    clientModel: 'V1ValidatingAdmissionPolicyBinding',
  },
  'monitoring.coreos.com/v1/ServiceMonitor': { model: ServiceMonitor },
  'monitoring.coreos.com/v1/PodMonitor': { model: PodMonitor },
  'monitoring.coreos.com/v1/PrometheusRule': { model: PrometheusRule },
  'monitoring.coreos.com/v1alpha1/ScrapeConfig': { model: ScrapeConfig },
  'cert-manager.io/v1/Issuer': { model: Issuer },
  'cert-manager.io/v1/Certificate': { model: Certificate },
};

/** The schema problems of one manifest; empty when it is valid. */
export function schemaProblems(manifest: Manifest): string[] {
  const kind = KINDS[`${manifest.apiVersion}/${manifest.kind}`];
  if (kind === undefined) return [`${manifest.apiVersion} ${manifest.kind}: no schema known for this kind`];
  const problems: string[] = [];
  try {
    new kind.model(manifest as never).validate();
  } catch (error) {
    problems.push(...(error as Error).message.split('\n'));
  }
  if (kind.clientModel !== undefined) problems.push(...unknownFields(manifest, kind.clientModel));
  return problems;
}
