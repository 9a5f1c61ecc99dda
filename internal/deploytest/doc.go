// Package deploytest checks the deployment files against what they deploy:
// the Dockerfile and its build context, service.yaml, cloudbuild.yaml,
// app.json (the Cloud Run button) and the README's deploy and scripting
// commands. No Docker engine or Google Cloud is reachable from the tests, so
// they check what can be checked for real: the build runs from exactly the
// files .dockerignore lets through, the YAML and JSON files are parsed with
// the schemas of their consumers, every gcloud command they run goes
// through gcloud's own argument and file validation (when gcloud is
// installed; it stops at "no active account", before any network call), and
// the README's curl commands run against a real server.
//
// The non-test files are helpers that cmd/server's container test shares.
// Nothing here runs concurrently with itself except where a helper says so.
package deploytest
