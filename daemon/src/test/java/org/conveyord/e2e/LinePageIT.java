package org.conveyord.e2e;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.conveyord.config.LineConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The line page in a real browser: Debian's headless Chromium driven by chromium-driver through
 * Selenium, against the daemon, device-sim and a broker. Screenshots go to target/screenshots/.
 */
class LinePageIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");

    private LineHarness h;
    private WebDriver browser;
    private ListAppender<ILoggingEvent> audit;
    private String testName;

    @BeforeEach
    void up(TestInfo info) throws Exception {
        testName = info.getTestMethod().orElseThrow().getName();
        assertThat(CHROMIUM).as("chromium (apt-get install chromium chromium-driver)").exists();
        assertThat(DRIVER).as("chromedriver (apt-get install chromium-driver)").exists();
        audit = new ListAppender<>();
        audit.start();
        ((Logger) LoggerFactory.getLogger("conveyord.audit")).addAppender(audit);
        h = new LineHarness();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,900");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).build(), options);
        browser.get("http://127.0.0.1:" + h.daemon.httpAddress().orElseThrow().getPort() + "/");
    }

    @AfterEach
    void down() throws Exception {
        try {
            if (browser != null) {
                screenshot("end");
                browser.quit();
            }
        } finally {
            ((Logger) LoggerFactory.getLogger("conveyord.audit")).detachAppender(audit);
            if (h != null) h.close();
        }
    }

    private void screenshot(String step) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), dir.resolve("LinePageIT-" + testName + "-" + step + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void thePageDrawsTheDemoLayoutAndStartsTheLineAsTheUser() throws Exception {
        LineConfig line = h.cfg.devicesOfKind(LineConfig.class).get("line-1");
        await().atMost(PATIENCE).until(() -> !browser.findElements(By.id("svg-line-1")).isEmpty());
        await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.findElements(By.cssSelector("#svg-line-1 .zone-g")).size()
                == line.zonesOrEmpty().size());
        assertThat(browser.findElements(By.cssSelector("#svg-line-1 .lane-g"))).hasSize(line.lanesOrEmpty().size());
        assertThat(browser.findElement(By.id("conn")).getText()).isEqualTo("connected");
        screenshot("layout");

        browser.findElement(By.id("user")).sendKeys(LineHarness.HTTP_USER);
        browser.findElement(By.id("secret")).sendKeys(LineHarness.HTTP_SECRET);
        WebElement start = browser.findElement(By.cssSelector("#buttons button[data-action=start]"));
        assertThat(start.isEnabled()).isTrue();
        start.click();
        await().atMost(PATIENCE).until(() -> audit.list.stream().anyMatch(e -> e.getFormattedMessage()
                .matches(".*action=start id=page-\\S+ by=" + LineHarness.HTTP_USER + " result=OK.*")));
        await().atMost(PATIENCE).until(() -> browser.findElement(By.id("answer")).getText().equals("start: ok"));
        // the page follows: Start is now refused by the daemon, so it is disabled with the reason
        await().atMost(PATIENCE).ignoreExceptions().until(() -> "already running".equals(
                browser.findElement(By.cssSelector("#buttons button[data-action=start]")).getAttribute("title")));
    }

    @Test
    void theEstopBannerShowsWithinOneSecond() throws Exception {
        await().atMost(PATIENCE).until(() -> !browser.findElements(By.id("svg-line-1")).isEmpty());
        assertThat(browser.findElement(By.id("estop")).isDisplayed()).isFalse();
        h.sim.setEstop(true);
        await().atMost(Duration.ofSeconds(1)).until(() -> browser.findElement(By.id("estop")).isDisplayed());
        screenshot("estop");
        // the buttons are redrawn with each state: look the button up afresh each time
        await().atMost(PATIENCE).ignoreExceptions().until(() -> "release the e-stop first".equals(
                browser.findElement(By.cssSelector("#buttons button[data-action=reset]")).getAttribute("title")));
        assertThat(browser.findElement(By.cssSelector("#buttons button[data-action=reset]")).isEnabled()).isFalse();
    }
}
