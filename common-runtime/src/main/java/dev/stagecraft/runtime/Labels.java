package dev.stagecraft.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/** The labels on everything Stagecraft creates; teardown finds an environment's objects by them. */
public final class Labels {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "stagecraft";
    public static final String ENVIRONMENT = "stagecraft.dev/environment";
    public static final String SERVICE = "stagecraft.dev/service";
    public static final String APPLICATION = "stagecraft.dev/application";
    public static final String CONFIG_HASH = "stagecraft.dev/config-hash";
    public static final String PORT = "stagecraft.dev/port";
    /** On a job's container, Kubernetes Job and pods: the job's name in the template. */
    public static final String JOB = "stagecraft.dev/job";
    /** On every image the build-service built: the git tree of its build context. Teardown removes no other image. */
    public static final String GIT_TREE = "stagecraft.dev/git-tree";

    private Labels() {
    }

    public static Map<String, String> forEnvironment(String environmentId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, MANAGED_BY_VALUE);
        labels.put(ENVIRONMENT, environmentId);
        return labels;
    }
}
