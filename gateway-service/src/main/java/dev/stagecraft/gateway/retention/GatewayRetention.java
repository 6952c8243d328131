package dev.stagecraft.gateway.retention;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.messaging.retention.RetentionRule;
import dev.stagecraft.messaging.retention.RetentionRules;

/**
 * The gateway's history under retention, in this order so rows go before what they refer to: logs after the log
 * retention; deliveries, timeline entries and finished workflows no environment is running after the history
 * retention; then pull request comments, GitHub deployments and deleted environments that nothing refers to any more.
 */
@ApplicationScoped
public class GatewayRetention implements RetentionRules {

    @Override
    public List<RetentionRule> rules() {
        return List.of(
                new RetentionRule("log_line", "received_at", null, true),
                new RetentionRule("delivery", "received_at", null, false),
                new RetentionRule("timeline_entry", "occurred_at", null, false),
                new RetentionRule("workflow", "finished_at", "finished_at is not null and not exists (select 1 from"
                        + " environment e where e.active_workflow_id = workflow.id)", false),
                new RetentionRule("pull_request_comment", "updated_at", "not exists (select 1 from environment e"
                        + " where e.id = pull_request_comment.environment_id and e.state <> 'DELETED')", false),
                new RetentionRule("github_deployment", "created_at", "not exists (select 1 from environment e"
                        + " where e.id = github_deployment.environment_id and e.state <> 'DELETED')", false),
                new RetentionRule("environment", "updated_at", "state = 'DELETED'"
                        + " and not exists (select 1 from workflow w where w.environment_id = environment.id)"
                        + " and not exists (select 1 from timeline_entry t where t.environment_id = environment.id)",
                        false));
    }
}
