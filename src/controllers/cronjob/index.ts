/** The CronJob controller and its schedule arithmetic. */
export { CronJobController, cronJobGVK, jobFromTemplate, scheduledTimestampAnnotation, type CronJobControllerOptions } from './controller.js';
export { parseSchedule, mostRecentScheduleTime, nextScheduleDelayMs, formatInZone, scheduledTimeSuffix, type Schedule } from './schedule.js';
