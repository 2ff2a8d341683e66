#!/usr/bin/env bash
# A tiny custom scheduler (the seeds' 自定义调度器): it places every pending
# pod whose spec.schedulerName is "my-scheduler" on a random Ready,
# schedulable node by POSTing a Binding, exactly as the built-in scheduler
# does. skiff's default-scheduler leaves these pods alone.
#
#   kubectl apply -f examples/custom-scheduler/pod.yaml
#   bash examples/custom-scheduler/random-scheduler.sh      # Ctrl-C to stop
#
# Needs kubectl (with a working kubeconfig) and jq. `kubectl create --raw`
# sends the Binding through kubectl's own credentials, so no token handling.
set -euo pipefail
SCHEDULER=${SCHEDULER:-my-scheduler}

while true; do
  # Pending pods for this scheduler: no node yet.
  pods=$(kubectl get pods --all-namespaces --field-selector=spec.nodeName= -o json |
    jq -r --arg s "$SCHEDULER" '.items[] | select(.spec.schedulerName == $s) | "\(.metadata.namespace) \(.metadata.name)"')
  if [ -n "$pods" ]; then
    # Ready nodes that are not cordoned.
    mapfile -t nodes < <(kubectl get nodes -o json |
      jq -r '.items[] | select(.spec.unschedulable != true) | select(any(.status.conditions[]?; .type == "Ready" and .status == "True")) | .metadata.name')
    if [ "${#nodes[@]}" -eq 0 ]; then echo "no Ready nodes" >&2; sleep 2; continue; fi
    while read -r ns name; do
      node=${nodes[RANDOM % ${#nodes[@]}]}
      binding=$(printf '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"%s"},"target":{"apiVersion":"v1","kind":"Node","name":"%s"}}' "$name" "$node")
      if echo "$binding" | kubectl create --raw "/api/v1/namespaces/$ns/pods/$name/binding" -f - >/dev/null; then
        echo "assigned $ns/$name to $node"
      fi
    done <<<"$pods"
  fi
  sleep 1
done
