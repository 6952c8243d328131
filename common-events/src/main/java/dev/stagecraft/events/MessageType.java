package dev.stagecraft.events;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every message of the contract with its versioned CloudEvents type and the topic it travels on. */
public enum MessageType {

    BUILD_REQUESTED(BuildRequested.class, "dev.stagecraft.build.requested.v1", Topics.BUILD_COMMANDS),
    SETUP_REQUESTED(SetupRequested.class, "dev.stagecraft.setup.requested.v1", Topics.SETUP_COMMANDS),
    PATCH_REQUESTED(PatchRequested.class, "dev.stagecraft.patch.requested.v1", Topics.PATCH_COMMANDS),
    PAUSE_REQUESTED(PauseRequested.class, "dev.stagecraft.pause.requested.v1", Topics.PATCH_COMMANDS),
    RESUME_REQUESTED(ResumeRequested.class, "dev.stagecraft.resume.requested.v1", Topics.PATCH_COMMANDS),
    TEARDOWN_REQUESTED(TeardownRequested.class, "dev.stagecraft.teardown.requested.v1", Topics.TEARDOWN_COMMANDS),
    /** Sent to the command topic of the stage that runs the workflow; the topic here is only the default. */
    CANCEL_REQUESTED(CancelRequested.class, "dev.stagecraft.workflow.cancel-requested.v1", Topics.BUILD_COMMANDS),
    BUILD_STARTED(BuildStarted.class, "dev.stagecraft.build.started.v1", Topics.LIFECYCLE),
    BUILD_COMPLETED(BuildCompleted.class, "dev.stagecraft.build.completed.v1", Topics.LIFECYCLE),
    BUILD_FAILED(BuildFailed.class, "dev.stagecraft.build.failed.v1", Topics.LIFECYCLE),
    SETUP_STARTED(SetupStarted.class, "dev.stagecraft.setup.started.v1", Topics.LIFECYCLE),
    SETUP_SUCCEEDED(SetupSucceeded.class, "dev.stagecraft.setup.succeeded.v1", Topics.LIFECYCLE),
    SETUP_FAILED(SetupFailed.class, "dev.stagecraft.setup.failed.v1", Topics.LIFECYCLE),
    PATCH_STARTED(PatchStarted.class, "dev.stagecraft.patch.started.v1", Topics.LIFECYCLE),
    PATCH_SUCCEEDED(PatchSucceeded.class, "dev.stagecraft.patch.succeeded.v1", Topics.LIFECYCLE),
    PATCH_FAILED(PatchFailed.class, "dev.stagecraft.patch.failed.v1", Topics.LIFECYCLE),
    PAUSE_STARTED(PauseStarted.class, "dev.stagecraft.pause.started.v1", Topics.LIFECYCLE),
    PAUSE_SUCCEEDED(PauseSucceeded.class, "dev.stagecraft.pause.succeeded.v1", Topics.LIFECYCLE),
    PAUSE_FAILED(PauseFailed.class, "dev.stagecraft.pause.failed.v1", Topics.LIFECYCLE),
    RESUME_STARTED(ResumeStarted.class, "dev.stagecraft.resume.started.v1", Topics.LIFECYCLE),
    RESUME_SUCCEEDED(ResumeSucceeded.class, "dev.stagecraft.resume.succeeded.v1", Topics.LIFECYCLE),
    RESUME_FAILED(ResumeFailed.class, "dev.stagecraft.resume.failed.v1", Topics.LIFECYCLE),
    TEARDOWN_STARTED(TeardownStarted.class, "dev.stagecraft.teardown.started.v1", Topics.LIFECYCLE),
    TEARDOWN_SUCCEEDED(TeardownSucceeded.class, "dev.stagecraft.teardown.succeeded.v1", Topics.LIFECYCLE),
    TEARDOWN_FAILED(TeardownFailed.class, "dev.stagecraft.teardown.failed.v1", Topics.LIFECYCLE),
    TASK_STARTED(TaskStarted.class, "dev.stagecraft.task.started.v1", Topics.LIFECYCLE),
    TASK_FINISHED(TaskFinished.class, "dev.stagecraft.task.finished.v1", Topics.LIFECYCLE),
    ENVIRONMENT_CREATED(EnvironmentCreated.class, "dev.stagecraft.environment.created.v1", Topics.LIFECYCLE),
    ENVIRONMENT_READY(EnvironmentReady.class, "dev.stagecraft.environment.ready.v1", Topics.LIFECYCLE),
    ENVIRONMENT_FAILED(EnvironmentFailed.class, "dev.stagecraft.environment.failed.v1", Topics.LIFECYCLE),
    ENVIRONMENT_DELETED(EnvironmentDeleted.class, "dev.stagecraft.environment.deleted.v1", Topics.LIFECYCLE),
    ENVIRONMENT_PAUSED(EnvironmentPaused.class, "dev.stagecraft.environment.paused.v1", Topics.LIFECYCLE),
    ENVIRONMENT_RESUMED(EnvironmentResumed.class, "dev.stagecraft.environment.resumed.v1", Topics.LIFECYCLE),
    ENVIRONMENT_QUEUED(EnvironmentQueued.class, "dev.stagecraft.environment.queued.v1", Topics.LIFECYCLE),
    ENVIRONMENT_EVICTED(EnvironmentEvicted.class, "dev.stagecraft.environment.evicted.v1", Topics.LIFECYCLE),
    ENVIRONMENT_ACTION_REQUESTED(EnvironmentActionRequested.class, "dev.stagecraft.environment.action-requested.v1",
            Topics.UI_COMMANDS),
    ENVIRONMENT_ACTION_REJECTED(EnvironmentActionRejected.class, "dev.stagecraft.environment.action-rejected.v1",
            Topics.LIFECYCLE),
    RUNTIME_INVENTORIED(RuntimeInventoried.class, "dev.stagecraft.runtime.inventoried.v1", Topics.LIFECYCLE),
    DATASET_POOLS_REPORTED(DatasetPoolsReported.class, "dev.stagecraft.dataset.pools-reported.v1", Topics.LIFECYCLE),
    MESSAGE_UNDELIVERABLE(MessageUndeliverable.class, "dev.stagecraft.message.undeliverable.v1", Topics.LIFECYCLE),
    WORKFLOW_PROGRESSED(WorkflowProgressed.class, "dev.stagecraft.workflow.progressed.v1", Topics.LIFECYCLE),
    LOG_LINE(LogLine.class, "dev.stagecraft.log.line.v1", Topics.LOGS);

    private static final Map<String, MessageType> BY_TYPE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(MessageType::ceType, Function.identity()));
    private static final Map<Class<?>, MessageType> BY_CLASS = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(MessageType::javaType, Function.identity()));

    private final Class<? extends StagecraftMessage> javaType;
    private final String ceType;
    private final String topic;

    MessageType(Class<? extends StagecraftMessage> javaType, String ceType, String topic) {
        this.javaType = javaType;
        this.ceType = ceType;
        this.topic = topic;
    }

    public Class<? extends StagecraftMessage> javaType() {
        return javaType;
    }

    public String ceType() {
        return ceType;
    }

    public String topic() {
        return topic;
    }

    public static Optional<MessageType> ofCeType(String ceType) {
        return Optional.ofNullable(BY_TYPE.get(ceType));
    }

    public static MessageType of(StagecraftMessage message) {
        MessageType type = BY_CLASS.get(message.getClass());
        if (type == null) {
            throw new IllegalArgumentException("no CloudEvents type for " + message.getClass().getName());
        }
        return type;
    }
}
