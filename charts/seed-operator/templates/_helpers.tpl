{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "seed-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "seed-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label value: <name>-<version>. */}}
{{- define "seed-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator pods (never change between upgrades). */}}
{{- define "seed-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "seed-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object of the chart. */}}
{{- define "seed-operator.labels" -}}
helm.sh/chart: {{ include "seed-operator.chart" . }}
{{ include "seed-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: seed
app.kubernetes.io/component: operator
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "seed-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "seed-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference from {repository, tag, digest}: the digest wins, the tag defaults to appVersion. */}}
{{- define "seed-operator.imageRef" -}}
{{- $image := index . 0 }}
{{- $root := index . 1 }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion ($image.tag | toString)) }}
{{- end }}
{{- end }}

{{/* Whether the operator elects a leader: always with more than one replica. */}}
{{- define "seed-operator.leaderElect" -}}
{{- if or (gt (int .Values.replicas) 1) .Values.leaderElection.enabled }}true{{ end }}
{{- end }}

{{/* Name of the leader election Lease. */}}
{{- define "seed-operator.leaseName" -}}
{{- default (printf "%s-leader" (include "seed-operator.fullname" .)) .Values.leaderElection.leaseName | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The default artifact repository as seed-operator's --artifact-repository-file reads it.
*/}}
{{- define "seed-operator.artifactRepository" -}}
{{- $s3 := .Values.artifactRepository.s3 -}}
s3:
  endpoint: {{ $s3.endpoint | quote }}
  bucket: {{ required "artifactRepository.s3.bucket is required with an endpoint" $s3.bucket | quote }}
  {{- with $s3.keyPrefix }}
  keyPrefix: {{ . | quote }}
  {{- end }}
  {{- with $s3.region }}
  region: {{ . | quote }}
  {{- end }}
  secretRef:
    name: {{ required "artifactRepository.s3.secretName is required with an endpoint (a Secret with accessKey and secretKey)" $s3.secretName | quote }}
  {{- if $s3.insecure }}
  insecure: true
  {{- end }}
  {{- with $s3.caSecretName }}
  caSecretRef:
    name: {{ . | quote }}
  {{- end }}
{{- end }}

{{/*
"true" when the operator archives task logs (logArchive.enabled, or a default artifact repository).
*/}}
{{- define "seed-operator.archiveLogs" -}}
{{- if or .Values.logArchive.enabled .Values.artifactRepository.s3.endpoint -}}true{{- else -}}false{{- end -}}
{{- end }}
