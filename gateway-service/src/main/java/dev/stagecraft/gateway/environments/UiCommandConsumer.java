package dev.stagecraft.gateway.environments;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.stagecraft.events.EnvironmentActionRejected;
import dev.stagecraft.events.EnvironmentActionRequested;
import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.events.cloudevents.UnreadableEventException;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.messaging.consumer.TransientFailures;
import dev.stagecraft.messaging.inbox.ProcessedMessage;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.messaging.tracing.MessageTracing;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;

/**
 * Carries out the actions the internal UI publishes on {@code stagecraft.ui.commands} exactly like the HTTP calls
 * (through {@link EnvironmentActions}), each once. An action that is malformed, invalid or refused is answered with
 * {@link EnvironmentActionRejected} on the lifecycle topic, carrying the status and message HTTP would have given.
 */
@ApplicationScoped
public class UiCommandConsumer {

    static final String CONSUMER = "gateway-ui-commands";
    /** The actions a UI command may ask for, by the name it carries. */
    enum Action {
        CREATE, DEPLOY, SETUP, APPROVE, EXTEND, PAUSE, RESUME, DELETE;

        static final List<String> NAMES = java.util.Arrays.stream(values()).map(a -> a.name().toLowerCase(
                java.util.Locale.ROOT)).toList();

        static Action of(String name) {
            if (name == null || !NAMES.contains(name)) {
                throw ApiException.badRequest("action '" + name + "' is not one of " + NAMES);
            }
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }
    private static final Logger LOG = Logger.getLogger(UiCommandConsumer.class);

    @Inject
    Timeline timeline;

    @Inject
    ConflictRetry conflicts;

    @Inject
    EnvironmentActions actions;

    @Inject
    ProcessedMessage processed;

    @Inject
    Outbox outbox;

    @Inject
    TransientFailures failures;

    @Inject
    MessageTracing tracing;

    @Inject
    GatewayConfig config;

    @Incoming("ui-commands")
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        tracing.consume(record, () -> failures.process(record, () -> handle(record)));
    }

    private void handle(ConsumerRecord<String, String> record) {
        CloudEvent event;
        try {
            event = KafkaCloudEvents.fromRecord(record);
        } catch (UnreadableEventException e) {
            String id = KafkaCloudEvents.get(record.headers(), KafkaCloudEvents.H_ID);
            String subject = KafkaCloudEvents.get(record.headers(), KafkaCloudEvents.H_SUBJECT);
            reject(id, new EnvironmentActionRejected(subject, null, id, null, null, 400, "malformed_command",
                    e.getMessage() + "; accepted: " + MessageType.ENVIRONMENT_ACTION_REQUESTED.ceType()
                            + " with a JSON payload"));
            return;
        }
        if (!(event.data() instanceof EnvironmentActionRequested command)) {
            reject(event.id(), new EnvironmentActionRejected(event.subject(), null, event.id(), null, null, 400,
                    "malformed_command", "type " + event.type() + " is not a UI command; accepted on this topic: "
                            + MessageType.ENVIRONMENT_ACTION_REQUESTED.ceType()));
            return;
        }
        try {
            Action action = Action.of(command.action());
            // a branch head is asked of the git host before the transaction, never inside it
            String commit = action == Action.CREATE
                    ? actions.commitToCreate(command.application(), command.branch(), command.commit())
                    : action == Action.DEPLOY ? actions.commitToDeploy(command.environmentId(), command.commit())
                            : command.commit();
            conflicts.inTransaction(() -> {
                if (processed.firstDelivery(CONSUMER, event.id())) {
                    carryOut(command, action, commit);
                }
                return null;
            });
        } catch (ApiException e) {
            LOG.infof("UI action %s %s by %s rejected: %s", command.action(), event.id(), command.actor(),
                    e.getMessage());
            reject(event.id(), new EnvironmentActionRejected(command.environmentId(), null, event.id(),
                    command.action(), command.actor(), e.status(), e.body().error(), e.getMessage()));
        }
    }

    private void carryOut(EnvironmentActionRequested command, Action action, String commit) {
        if (command.actor() == null || command.actor().isBlank()) {
            throw ApiException.badRequest("actor is required: the person on whose behalf the UI acts");
        }
        // the broker lets only the UI principal write this topic (35-kafka-users.yaml): it is recorded beside the actor
        EnvironmentActions.Actor actor = new EnvironmentActions.Actor(command.actor(), "kafka:" + config.ui().principal());
        // a switch expression over the enum: a new action without a case does not compile
        Environment acted = switch (action) {
            case CREATE -> actions.create(command.application(), command.branch(), commit, null, actor);
            case DEPLOY -> actions.deploy(command.environmentId(), commit, actor);
            case SETUP -> actions.setup(command.environmentId(), actor);
            case APPROVE -> actions.approve(command.environmentId(), commit, actor);
            case EXTEND -> actions.extend(command.environmentId(), command.by(), actor);
            case PAUSE -> actions.pause(command.environmentId(), actor);
            case RESUME -> actions.resume(command.environmentId(), actor);
            case DELETE -> actions.delete(command.environmentId(), actor);
        };
        LOG.debugf("UI action %s on %s by %s", action, acted.id, actor.name());
    }

    /** Publishes the rejection and marks the command handled, in one transaction: answered once, never dropped. */
    private void reject(String commandId, EnvironmentActionRejected rejection) {
        QuarkusTransaction.requiringNew().run(() -> {
            if (commandId != null && !processed.firstDelivery(CONSUMER, commandId)) {
                return;
            }
            outbox.publish(rejection, commandId);
            if (rejection.environmentId() != null && Environment.findById(rejection.environmentId()) != null) {
                timeline.record(rejection.environmentId(), null, commandId,
                        MessageType.ENVIRONMENT_ACTION_REJECTED.ceType(), false, EventJson.write(rejection));
            }
        });
    }
}
