package dev.stagecraft.template;

import java.util.List;
import java.util.Map;

import dev.stagecraft.events.EnvironmentSpec.DatasetSpec;
import dev.stagecraft.events.EnvironmentSpec.JobSpec;
import dev.stagecraft.events.EnvironmentSpec.ResourcesSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.SharedVolumeSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;

/**
 * A Release-style Application Template as read for one environment template (its overrides applied).
 * {@code hostnames} maps a service to its host name pattern (with ${env_id} and ${domain}); {@code expiry} is an
 * ISO-8601 duration or null (never); {@code datasets} are the installation's datasets the environment checks a copy of
 * out, each with the service that serves it.
 */
public record ApplicationTemplate(String app, boolean autoDeploy, String trackingBranch, String domain,
        Map<String, String> hostnames, ResourcesSpec resources, int replicas, List<SharedVolumeSpec> sharedVolumes,
        List<ServiceSpec> services, List<JobSpec> jobs, Map<String, WorkflowSpec> workflows,
        List<String> environmentTemplates, String environmentTemplate, String expiry, List<DatasetSpec> datasets,
        List<AppImport> appImports, boolean parallelizeAppImports) {

    /**
     * Release's {@code app_imports} entry: the application {@code name} whose services this one's environments run too,
     * the {@code branch} to build it at (null: Release's rule picks one), and the services left out.
     * {@code path}, {@code line} and {@code column} are the entry's place in the template, for errors found later (an
     * unknown application, a service name taken twice).
     */
    public record AppImport(String name, String branch, List<String> excludeServices, String path, int line,
            int column) {

        public AppImport {
            excludeServices = List.copyOf(excludeServices);
        }
    }
}
