-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: shop
-- ------------------------------------------------------
-- Server version	10.11.19-MariaDB-0+deb12u1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `customers`
--

DROP TABLE IF EXISTS `customers`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `customers` (
  `id` int(11) NOT NULL,
  `name` varchar(100) NOT NULL,
  `email` varchar(200) NOT NULL,
  `notes` text DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `customers_email` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `customers`
--

LOCK TABLES `customers` WRITE;
/*!40000 ALTER TABLE `customers` DISABLE KEYS */;
INSERT INTO `customers` VALUES (1,'Customer 1','person1@real-mail.test','likes order 7 and pays on time'),(2,'Customer 2','person2@real-mail.test','likes order 14 and pays on time'),(3,'Customer 3','person3@real-mail.test','likes order 21 and pays on time'),(4,'Customer 4','person4@real-mail.test','likes order 28 and pays on time'),(5,'Customer 5','person5@real-mail.test','likes order 35 and pays on time'),(6,'Customer 6','person6@real-mail.test','likes order 42 and pays on time'),(7,'Customer 7','person7@real-mail.test','likes order 49 and pays on time'),(8,'Customer 8','person8@real-mail.test','likes order 56 and pays on time'),(9,'Customer 9','person9@real-mail.test','likes order 63 and pays on time'),(10,'Customer 10','person10@real-mail.test','likes order 70 and pays on time'),(11,'Customer 11','person11@real-mail.test','likes order 77 and pays on time'),(12,'Customer 12','person12@real-mail.test','likes order 84 and pays on time'),(13,'Customer 13','person13@real-mail.test','likes order 91 and pays on time'),(14,'Customer 14','person14@real-mail.test','likes order 98 and pays on time'),(15,'Customer 15','person15@real-mail.test','likes order 105 and pays on time'),(16,'Customer 16','person16@real-mail.test','likes order 112 and pays on time'),(17,'Customer 17','person17@real-mail.test','likes order 119 and pays on time'),(18,'Customer 18','person18@real-mail.test','likes order 126 and pays on time'),(19,'Customer 19','person19@real-mail.test','likes order 133 and pays on time'),(20,'Customer 20','person20@real-mail.test','likes order 140 and pays on time'),(21,'Customer 21','person21@real-mail.test','likes order 147 and pays on time'),(22,'Customer 22','person22@real-mail.test','likes order 154 and pays on time'),(23,'Customer 23','person23@real-mail.test','likes order 161 and pays on time'),(24,'Customer 24','person24@real-mail.test','likes order 168 and pays on time'),(25,'Customer 25','person25@real-mail.test','likes order 175 and pays on time'),(26,'Customer 26','person26@real-mail.test','likes order 182 and pays on time'),(27,'Customer 27','person27@real-mail.test','likes order 189 and pays on time'),(28,'Customer 28','person28@real-mail.test','likes order 196 and pays on time'),(29,'Customer 29','person29@real-mail.test','likes order 203 and pays on time'),(30,'Customer 30','person30@real-mail.test','likes order 210 and pays on time'),(31,'Customer 31','person31@real-mail.test','likes order 217 and pays on time'),(32,'Customer 32','person32@real-mail.test','likes order 224 and pays on time'),(33,'Customer 33','person33@real-mail.test','likes order 231 and pays on time'),(34,'Customer 34','person34@real-mail.test','likes order 238 and pays on time'),(35,'Customer 35','person35@real-mail.test','likes order 245 and pays on time'),(36,'Customer 36','person36@real-mail.test','likes order 252 and pays on time'),(37,'Customer 37','person37@real-mail.test','likes order 259 and pays on time'),(38,'Customer 38','person38@real-mail.test','likes order 266 and pays on time'),(39,'Customer 39','person39@real-mail.test','likes order 273 and pays on time'),(40,'Customer 40','person40@real-mail.test','likes order 280 and pays on time');
/*!40000 ALTER TABLE `customers` ENABLE KEYS */;
UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-29  4:50:00
