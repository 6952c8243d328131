package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.infra.SampleRepository;

/**
 * The web console in a real browser (Debian's Chromium, headless, through its chromedriver) against the running
 * stack: sign in with a token, watch a pull request's environment appear in the list and become READY without a
 * reload, see a viewer get no action buttons, press Delete and see DELETED; the register form shows a template's
 * error at its line; the deliveries and applications pages. Screenshots of the pages go to
 * {@code target/console-screenshots} (docs/console/ keeps copies).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final int PULL_REQUEST = 901;
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");

    private static Stack stack;
    private static WebDriver browser;
    private static Path profile;
    private static String app;
    private static String repositoryUrl;
    private static SampleRepository repository;

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
        app = "console-" + stack.nonce;
        repository = stack.newRepository(app, Map.of(
                "web/Dockerfile", SampleRepository.dockerfile(), "web/index.html", "web v1\n",
                "api/Dockerfile", SampleRepository.dockerfile(), "api/index.html", "api v1\n"));
        repositoryUrl = stack.repositoryUrl(app);
        stack.gateway.registerApplication(app, repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE, "docker");
        Files.createDirectories(SCREENSHOTS);
        for (String binary : List.of("/usr/bin/chromium", "/usr/bin/chromedriver")) {
            assertTrue(Files.isExecutable(Path.of(binary)), binary + " is needed: apt-get install chromium"
                    + " chromium-driver (.ci/run installs them)");
        }
        profile = Files.createTempDirectory("stagecraft-chromium-");
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments("--headless=new",
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--window-size=1360,1400", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void closeTheBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    /** A wait whose failure message shows what the page said, and which leaves a screenshot of it. */
    private static WebDriverWait waiting(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser, timeout) {
            @Override
            protected RuntimeException timeoutException(String message, Throwable lastException) {
                String page;
                try {
                    screenshot("failed-" + System.nanoTime());
                    page = browser.findElement(By.tagName("main")).getText();
                } catch (Exception e) {
                    page = "(unreadable: " + e + ")";
                }
                return super.timeoutException(message + "\n--- the page at " + browser.getCurrentUrl() + " said:\n"
                        + page, lastException);
            }
        };
        // the live pages draw their parts again on every event: an element found may be replaced the next moment
        wait.pollingEvery(Duration.ofMillis(200)).ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static WebElement visible(String css) {
        return waiting(Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    private static void screenshot(String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((org.openqa.selenium.TakesScreenshot) browser)
                .getScreenshotAs(OutputType.BYTES));
    }

    private static void signIn(String token) {
        browser.get(stack.services.gatewayUrl() + "/#/login");
        visible("#token").sendKeys(token);
        browser.findElement(By.id("sign-in")).click();
        visible("#environments");
    }

    private static void signOut() {
        browser.findElement(By.id("sign-out")).click();
        visible("#token");
    }

    /** Set on the page: still there later, the page was not loaded again. */
    private static void markThePage() {
        ((JavascriptExecutor) browser).executeScript("window.stagecraftTestMark = 'unchanged';");
    }

    private static void assertThePageWasNotReloaded() {
        assertEquals("unchanged", ((JavascriptExecutor) browser).executeScript("return window.stagecraftTestMark;"),
                "the page was updated in place, not reloaded");
    }

    private static String state() {
        return browser.findElement(By.cssSelector("#env-state .badge")).getText();
    }

    @Test
    @Order(1)
    void aPullRequestsEnvironmentIsWatchedToReadyAndDeletedWithoutAReload() throws Exception {
        signIn(stack.adminToken);
        browser.get(stack.services.gatewayUrl() + "/#/environments?application=" + app);
        visible("#live.on");
        markThePage();

        repository.branch("console");
        String sha = repository.commit("console", Map.of("web/index.html", "web console " + stack.nonce + "\n"),
                "console change");
        assertEquals(202, stack.gateway.webhook("pull_request", GitHubPayloads.pullRequest(
                GitHubPayloads.recorded("pull_request-opened.json"), "opened", PULL_REQUEST, "console", sha,
                repositoryUrl), Stack.SECRET).status());

        // the list follows the lifecycle: the new environment appears without a reload (the list is drawn again on
        // every event, so a row found may be gone the next moment: read and click it in one try, again if it went)
        String env = waiting(Duration.ofSeconds(30)).until(d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#environments tr[data-environment]"));
            return rows.isEmpty() || !rows.get(0).getText().contains("#" + PULL_REQUEST) ? null
                    : rows.get(0).getAttribute("data-environment");
        });
        assertThePageWasNotReloaded();
        screenshot("environments");
        waiting(Duration.ofSeconds(10)).until(d -> {
            d.findElement(By.cssSelector("#environments tr[data-environment='" + env + "'] a")).click();
            return true;
        });
        visible("#env-state");
        markThePage();
        waiting(TIMEOUT).until(d -> "READY".equals(state()));
        assertThePageWasNotReloaded();
        waiting(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#endpoints a[href^='http']"))
                .isEmpty());
        waiting(Duration.ofSeconds(20)).until(d -> d.findElement(By.id("timeline")).getText()
                .contains("environment.ready"));
        JsonNode shown = stack.gateway.environment(env);
        assertEquals(sha, shown.path("deployedCommit").asText());
        waiting(Duration.ofSeconds(10)).until(d -> d.findElement(By.id("actions")).getText().contains("Delete"));
        screenshot("environment-ready");

        // the build's workflow: its output came over the log stream
        browser.findElement(By.cssSelector("#workflows tr[data-workflow]:last-child")).click();
        waiting(Duration.ofSeconds(20)).until(d -> d.findElement(By.id("logs")).getText()
                .contains("fetching " + repositoryUrl + " at " + sha));
        ((JavascriptExecutor) browser).executeScript("document.getElementById('logs').scrollIntoView();");
        screenshot("workflow-output");

        // a viewer sees the environment and no button it may not use
        signOut();
        String viewer = stack.gateway.post("/api/tokens", "{\"name\":\"console-viewer-" + stack.nonce
                + "\",\"role\":\"viewer\"}").json().path("token").asText();
        signIn(viewer);
        assertTrue(browser.findElements(By.id("create-environment")).isEmpty(), "a viewer cannot create");
        browser.get(stack.services.gatewayUrl() + "/#/environments/" + env);
        waiting(Duration.ofSeconds(20)).until(d -> "READY".equals(state()));
        assertTrue(browser.findElements(By.cssSelector("#actions button")).isEmpty(),
                "a viewer gets no action button");
        signOut();

        signIn(stack.adminToken);
        browser.get(stack.services.gatewayUrl() + "/#/environments/" + env);
        waiting(Duration.ofSeconds(20)).until(d -> "READY".equals(state()));
        visible("#live.on");
        markThePage();
        browser.findElement(By.id("action-delete")).click();
        visible("#action-delete-confirm").click();
        waiting(TIMEOUT).until(d -> "DELETED".equals(state()));
        assertThePageWasNotReloaded();
        assertTrue(browser.findElements(By.cssSelector("#actions button")).isEmpty(),
                "a deleted environment offers no action");
        assertEquals("DELETED", stack.gateway.environment(env).path("state").asText());
        screenshot("environment-deleted");
    }

    @Test
    @Order(2)
    void theRegisterFormShowsATemplatesErrorAtItsLine() throws Exception {
        browser.get(stack.services.gatewayUrl() + "/#/applications/new");
        visible("#register-form");
        browser.findElement(By.name("name")).sendKeys("console-bad-" + stack.nonce);
        browser.findElement(By.name("repository")).sendKeys(repositoryUrl);
        browser.findElement(By.name("webhookSecret")).sendKeys(Stack.SECRET);
        browser.findElement(By.name("template")).sendKeys("app: shop\nservices:\n- name: Web_1\n  image: x\n");
        browser.findElement(By.cssSelector("#register-form button[type=submit]")).click();

        WebElement problems = visible("#template-problems");
        WebElement line = problems.findElement(By.cssSelector(".ln[data-line='3']"));
        assertTrue(line.getAttribute("class").contains("problem"), "line 3 is marked: " + problems.getText());
        assertTrue(problems.getText().contains("column 9: found 'Web_1'; a service name must be a DNS-1035 label"),
                problems.getText());
        assertTrue(browser.findElement(By.id("register-problem")).getText().contains("the template is invalid"));
        screenshot("register-errors");
        String applications = stack.gateway.get("/api/applications?limit=200").body();
        assertTrue(applications.contains("\"" + app + "\"") && !applications.contains("console-bad-" + stack.nonce),
                "nothing was registered: " + applications);
    }

    @Test
    @Order(3)
    void deliveriesAndApplicationsAreListed() throws Exception {
        browser.get(stack.services.gatewayUrl() + "/#/deliveries");
        waiting(Duration.ofSeconds(20)).until(d -> d.findElement(By.id("deliveries")).getText()
                .contains("pull_request / opened"));
        screenshot("deliveries");

        browser.get(stack.services.gatewayUrl() + "/#/applications");
        WebElement link = waiting(Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(
                By.linkText(app)));
        screenshot("applications");
        link.click();
        waiting(Duration.ofSeconds(20)).until(d -> d.findElement(By.id("template")).getText().contains("name: web"));
        screenshot("application");
    }

    @Test
    @Order(4)
    void theDatasetsPoolsAreListedPerRuntime() throws Exception {
        browser.findElement(By.cssSelector("#nav a[data-section=datasets]")).click();
        // the stack configures the dataset "shop" on both runtimes; the setup-service reports each pool
        waiting(Duration.ofSeconds(60)).until(d -> {
            String rows = d.findElement(By.id("datasets")).getText();
            return rows.contains("shop docker") && rows.contains("shop kubernetes");
        });
        screenshot("datasets");
        assertTrue(browser.findElement(By.id("datasets")).getText().matches("(?s).*shop docker (made|not yet) \\d+ of 1 .*"),
                browser.findElement(By.id("datasets")).getText());
    }
}
