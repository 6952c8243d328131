package dev.stagecraft.messaging.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** History past its retention goes, in batches; what is recent, or still running, stays. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class RetentionTest {

    @Inject
    Retention retention;

    @Inject
    EntityManager em;

    @Test
    void oldHistoryGoesInBatchesAndRecentOrUnfinishedRowsStay() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        OffsetDateTime now = OffsetDateTime.now();
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < 2500; i++) { // more than two batches
                em.createNativeQuery("insert into processed_message (consumer, ce_id, processed_at) values (?1, ?2, ?3)")
                        .setParameter(1, "retention-" + run).setParameter(2, "old-" + i)
                        .setParameter(3, now.minusDays(31)).executeUpdate();
            }
            em.createNativeQuery("insert into processed_message (consumer, ce_id, processed_at) values (?1, ?2, ?3)")
                    .setParameter(1, "retention-" + run).setParameter(2, "recent").setParameter(3, now.minusDays(29))
                    .executeUpdate();
            stageRun(run + "-old-finished", now.minusDays(40), now.minusDays(31));
            stageRun(run + "-recent-finished", now.minusDays(40), now.minusDays(2));
            stageRun(run + "-old-unfinished", now.minusDays(40), null);
        });

        Map<String, Long> deleted = retention.run(now);

        assertEquals(0L, count("select count(*) from processed_message where consumer = ?1 and ce_id like 'old-%'",
                "retention-" + run));
        assertEquals(1L, count("select count(*) from processed_message where consumer = ?1", "retention-" + run));
        assertEquals(0L, count("select count(*) from stage_run where workflow_id = ?1", run + "-old-finished"));
        assertEquals(1L, count("select count(*) from stage_run where workflow_id = ?1", run + "-recent-finished"));
        assertEquals(1L, count("select count(*) from stage_run where workflow_id = ?1", run + "-old-unfinished"));
        assertEquals(true, deleted.get("processed_message") >= 2500, deleted.toString());
    }

    private void stageRun(String id, OffsetDateTime accepted, OffsetDateTime finished) {
        em.createNativeQuery("insert into stage_run (workflow_id, environment_id, command_id, command_type, command,"
                + " status, accepted_at, finished_at) values (?1, 'env', 'cmd', 'type', '{}', ?2, ?3, ?4)")
                .setParameter(1, id).setParameter(2, finished == null ? "RUNNING" : "SUCCEEDED")
                .setParameter(3, accepted).setParameter(4, finished).executeUpdate();
    }

    private long count(String sql, String parameter) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(sql)
                .setParameter(1, parameter).getSingleResult()).longValue());
    }
}
