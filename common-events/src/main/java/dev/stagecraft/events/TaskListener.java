package dev.stagecraft.events;

/**
 * What work on a workflow's tasks reports as it goes (each report becomes a {@link TaskStarted}, a
 * {@link TaskFinished} or a {@link LogLine}), and how it learns that the workflow was cancelled. A stage's run is
 * one; a runtime reports to one.
 */
public interface TaskListener {

    void taskStarted(String task);

    void taskFinished(String task, boolean succeeded, String message);

    void log(String source, String line);

    /** Throws when the workflow was cancelled; work calls it between operations. */
    void checkCancelled();
}
