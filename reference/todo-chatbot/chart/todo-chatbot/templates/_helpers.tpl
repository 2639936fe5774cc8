{{/*
Labels shared by every object of the release, and the selector labels of one component.
*/}}
{{- define "todo-chatbot.labels" -}}
app.kubernetes.io/part-of: todo-chatbot
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "todo-chatbot.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* The labels of a component's pods: the shared labels (which hold the instance) and its name, each key once. */}}
{{- define "todo-chatbot.podLabels" -}}
{{ include "todo-chatbot.labels" .root }}
app.kubernetes.io/name: {{ .component }}
{{- end }}

{{/* The Secret with the app's credentials: an existing one, or the one this chart makes. */}}
{{- define "todo-chatbot.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" .Release.Name) }}
{{- end }}

{{/* The restrictive security context of every container. */}}
{{- define "todo-chatbot.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}
