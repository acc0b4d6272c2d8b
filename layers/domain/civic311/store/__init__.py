"""The adapters, the only code that talks to AWS: DynamoDB tables behind small repositories (nothing outside this
package builds keys), the call workflow's executions, SNS topics and texts, and the web pages' bucket."""
