package dev.stagecraft.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.messaging.retention.Retention;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The gateway's retention rules on its real schema: old history goes, live environments keep theirs. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class RetentionRulesTest {

    @Inject
    Retention retention;

    @Inject
    EntityManager em;

    @Test
    void aLongDeletedEnvironmentGoesWithItsHistoryALiveOneKeepsItsRunningWorkflow() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        OffsetDateTime old = OffsetDateTime.now().minusDays(40);
        String app = "app-" + run;
        String gone = "gone-" + run;
        String live = "live-" + run;
        QuarkusTransaction.requiringNew().run(() -> {
            sql("insert into application (id, name, repository_url, repository_key, provider, webhook_secret, template,"
                    + " runtime, created_at) values (?1, ?1, 'https://example.test/r.git', 'example.test/r', 'GITHUB',"
                    + " 's', 'app: x', 'docker', ?2)", app, old);
            environment(gone, app, "DELETED", null, old);
            environment(live, app, "READY", "wf-live-" + run, old);
            sql("insert into workflow (id, environment_id, stage, status, started_at, finished_at) values"
                    + " (?1, ?2, 'TEARDOWN', 'SUCCEEDED', ?3, ?3)", "wf-gone-" + run, gone, old);
            sql("insert into workflow (id, environment_id, stage, status, started_at, finished_at) values"
                    + " (?1, ?2, 'SETUP', 'SUCCEEDED', ?3, ?3)", "wf-live-" + run, live, old);
            sql("insert into timeline_entry (environment_id, type, applied, occurred_at) values (?1, 't', true, ?2)",
                    gone, old);
            sql("insert into log_line (ce_id, environment_id, workflow_id, line, received_at) values"
                    + " (?1, ?2, ?3, 'x', ?4)", "log-" + run, live, "wf-live-" + run, OffsetDateTime.now().minusDays(8));
            sql("insert into delivery (id, provider, outcome, received_at) values (?1, 'GITHUB', 'ACCEPTED', ?2)",
                    "github:" + run, old);
        });

        retention.run(OffsetDateTime.now());

        assertEquals(0L, count("select count(*) from environment where id = ?1", gone), "deleted environment");
        assertEquals(0L, count("select count(*) from workflow where environment_id = ?1", gone));
        assertEquals(0L, count("select count(*) from timeline_entry where environment_id = ?1", gone));
        assertEquals(1L, count("select count(*) from environment where id = ?1", live), "live environment");
        assertEquals(1L, count("select count(*) from workflow where id = ?1", "wf-live-" + run),
                "the workflow a live environment points at stays");
        assertEquals(0L, count("select count(*) from log_line where ce_id = ?1", "log-" + run), "logs after 7 days");
        assertEquals(0L, count("select count(*) from delivery where id = ?1", "github:" + run));
    }

    private void environment(String id, String app, String state, String activeWorkflow, OffsetDateTime at) {
        sql("insert into environment (id, application_id, kind, branch, state, spec, spec_hash, active_workflow_id,"
                + " created_at, updated_at) values (?1, ?2, 'EPHEMERAL', 'b', ?3, '{}', 'h', ?4, ?5, ?5)", id, app, state,
                activeWorkflow, at);
    }

    private void sql(String sql, Object... parameters) {
        var query = em.createNativeQuery(sql);
        for (int i = 0; i < parameters.length; i++) {
            query.setParameter(i + 1, parameters[i]);
        }
        query.executeUpdate();
    }

    private long count(String sql, String parameter) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(sql)
                .setParameter(1, parameter).getSingleResult()).longValue());
    }
}
